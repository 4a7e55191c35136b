package com.example.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.opizontas.gateway.api.FilterResult;
import io.opizontas.gateway.api.GrpcStatus;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.api.testing.FilterRun;
import io.opizontas.gateway.api.testing.TestCall;
import io.opizontas.gateway.api.testing.TestPluginContext;
import io.opizontas.gateway.api.testing.TomlPluginConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TenantFilterTest {

  private final TestPluginContext context = new TestPluginContext("my-plugin");
  private final TenantFilter filter = new TenantFilter();

  @AfterEach
  void close() {
    context.close();
  }

  @Test
  void aKnownTenantProceedsAndIsPassedOn() {
    filter.start(TomlPluginConfig.parse("my-plugin", "tenants = [\"acme\", \"globex\"]"), context);
    TestCall call = new TestCall("shop.Cart", "Get").header("x-tenant", "acme");

    assertThat(FilterRun.verdict(filter, call).proceeds()).isTrue();
    assertThat(call.attributes()).containsEntry("tenant", "acme");
  }

  @Test
  void anUnknownOrMissingTenantIsRefused() {
    filter.start(TomlPluginConfig.parse("my-plugin", "tenants = [\"acme\"]"), context);

    FilterResult unknown = FilterRun.verdict(filter, new TestCall("shop.Cart", "Get").header("x-tenant", "initech"));
    FilterResult missing = FilterRun.verdict(filter, new TestCall("shop.Cart", "Get"));

    assertThat(unknown.rejection()).contains(new GrpcStatus(GrpcStatusCode.PERMISSION_DENIED, "unknown tenant 'initech'"));
    assertThat(missing.rejection()).contains(new GrpcStatus(GrpcStatusCode.PERMISSION_DENIED, "no x-tenant header"));
    assertThat(context.metrics().count("refused_total")).isEqualTo(2);
  }
}
