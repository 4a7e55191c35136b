package io.opizontas.gateway.admin;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.opizontas.gateway.api.Durations;
import io.opizontas.gateway.api.ServicePattern;
import io.opizontas.gateway.config.GatewayConfig;
import io.opizontas.gateway.config.HostPort;
import io.opizontas.gateway.config.PluginSection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The admin API's JSON: snake_case keys (as the TOML writes them), durations as the TOML writes
 * them ({@code "30s"}), addresses as {@code host:port}; and the effective configuration with every
 * secret replaced by {@value #REDACTED}.
 */
final class AdminJson {

  static final String REDACTED = "<redacted>";

  /**
   * Keys whose values are secrets: token hashes ({@code sha256}, {@code token_sha256s}), tokens,
   * passwords and where they come from ({@code key_password_env}), any secret or credential. Matched
   * anywhere in the configuration, plugin settings included, so a plugin's secret is hidden without
   * the plugin having to say so.
   */
  private static final Pattern SECRET_KEY =
      Pattern.compile("(?i).*(sha256|token|password|passphrase|secret|credential|private|api_?key).*");

  private static final ObjectMapper MAPPER = mapper();

  private AdminJson() {}

  private static ObjectMapper mapper() {
    SimpleModule types = new SimpleModule("opizontas-admin");
    types.addSerializer(Duration.class, new StdSerializer<>(Duration.class) {
      @Override
      public void serialize(Duration value, JsonGenerator json, SerializerProvider provider) throws IOException {
        json.writeString(Durations.format(value));
      }
    });
    types.addSerializer(InetSocketAddress.class, new StdSerializer<>(InetSocketAddress.class) {
      @Override
      public void serialize(InetSocketAddress value, JsonGenerator json, SerializerProvider provider)
          throws IOException {
        json.writeString(HostPort.format(value));
      }
    });
    @SuppressWarnings({"unchecked", "rawtypes"})
    Class<Optional<?>> optional = (Class) Optional.class;
    types.addSerializer(optional, new StdSerializer<>(optional) {
      @Override
      public void serialize(Optional<?> value, JsonGenerator json, SerializerProvider provider) throws IOException {
        provider.defaultSerializeValue(value.orElse(null), json);
      }
    });
    types.addSerializer(Path.class, ToStringSerializer.instance);
    types.addSerializer(ServicePattern.class, ToStringSerializer.instance);
    types.setMixInAnnotation(PluginSection.class, PluginSectionView.class);
    return new ObjectMapper()
        .registerModule(types)
        .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
  }

  /** A plugin entry without where each key was written: its origin says where the entry is. */
  @JsonIgnoreProperties("keys")
  private abstract static class PluginSectionView {}

  /** Answers {@code body} as JSON with {@code status}. */
  static void send(Response response, Callback callback, int status, Object body) throws IOException {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    // Live state: a browser or proxy must never answer a later read from its cache.
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.write(true, ByteBuffer.wrap(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(body)), callback);
  }

  /** The configuration the gateway runs with, defaults filled in, secrets redacted. */
  static JsonNode redacted(GatewayConfig config) {
    JsonNode tree = MAPPER.valueToTree(config);
    redact(tree, false);
    return tree;
  }

  /** Replaces every scalar under a secret key; lists and tables under one are walked, not dropped. */
  private static void redact(JsonNode node, boolean secret) {
    if (node instanceof ObjectNode object) {
      for (Map.Entry<String, JsonNode> field : object.properties()) {
        if (field.getValue().isContainerNode()) {
          redact(field.getValue(), SECRET_KEY.matcher(field.getKey()).matches());
        } else if (SECRET_KEY.matcher(field.getKey()).matches() && !field.getValue().isNull()) {
          field.setValue(TextNode.valueOf(REDACTED));
        }
      }
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        if (array.get(i).isContainerNode()) {
          redact(array.get(i), secret);
        } else if (secret) {
          array.set(i, TextNode.valueOf(REDACTED));
        }
      }
    }
  }
}
