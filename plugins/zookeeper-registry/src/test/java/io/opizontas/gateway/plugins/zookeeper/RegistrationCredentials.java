package io.opizontas.gateway.plugins.zookeeper;

import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.opizontas.gateway.config.RegistrationConfig;
import io.opizontas.gateway.config.RegistrationToken;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/** One registration token for these tests: the config that accepts it and the client side that sends it. */
final class RegistrationCredentials {

  static final String TOKEN = "zookeeper-test-token";

  private RegistrationCredentials() {}

  /** Registration on, stored in ZooKeeper, accepting {@link #TOKEN} for every service. */
  static RegistrationConfig config() {
    return new RegistrationConfig(true, "zookeeper", Duration.ofSeconds(30),
        List.of(new RegistrationToken(sha256(TOKEN), List.of("*"))));
  }

  /** Sends the token as {@code authorization: Bearer}. */
  static ClientInterceptor bearer() {
    Metadata credentials = new Metadata();
    credentials.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + TOKEN);
    return MetadataUtils.newAttachHeadersInterceptor(credentials);
  }

  private static String sha256(String token) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
