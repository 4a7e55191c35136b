package io.opizontas.gateway.plugins.tokenauth;

import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.CallFilter;
import io.opizontas.gateway.api.FilterResult;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.api.Metadata;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginContext;
import io.opizontas.gateway.api.PluginMetrics;
import io.opizontas.gateway.api.ServicePattern;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionStage;
import org.pf4j.Extension;

/**
 * Lets a call through only when it carries a known token that may call its service.
 *
 * <pre>
 * [[chain]]
 * plugin = "token-auth"
 * header = "authorization"            # default; expects "Bearer &lt;token&gt;". Any other header
 *                                     # (e.g. "x-api-key") carries the bare token.
 * strip_header = true                 # default: backends never see the credential
 * open_services = ["grpc.health.v1.Health"]   # callable without a token
 * [[chain.tokens]]
 * name = "ci"                         # optional; attached to the call as attribute token-auth.name
 * sha256 = "&lt;hex SHA-256 of the token&gt;"
 * services = ["helloworld.*", "post.PostService"]
 * </pre>
 *
 * <p>The configuration holds only hashes. The presented token is hashed and compared with every
 * configured hash in constant time ({@link MessageDigest#isEqual}), without stopping at a match, so
 * the time taken says nothing about which token (or how much of one) matched.
 *
 * <p>No credential, a malformed one, or an unknown token: UNAUTHENTICATED. A known token calling a
 * service outside its {@code services}: PERMISSION_DENIED.
 */
@Extension
public final class TokenAuthFilter implements CallFilter {

  static final String ATTRIBUTE = "token-auth.name";

  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(TokenAuthFilter::sha256);

  private String header;
  private boolean bearer;
  private boolean strip;
  private List<ServicePattern> openServices;
  private Token[] tokens;
  private PluginMetrics.Counter unauthenticated;
  private PluginMetrics.Counter denied;

  /** One configured token: its hash and what it may call. */
  private record Token(String name, byte[] sha256, List<ServicePattern> services) {
    boolean mayCall(String service) {
      for (ServicePattern pattern : services) {
        if (pattern.matches(service)) {
          return true;
        }
      }
      return false;
    }
  }

  @Override
  public void start(PluginConfig config, PluginContext context) {
    config.allowKeys("header", "strip_header", "open_services", "tokens");
    try {
      header = Metadata.checkWritableKey(config.string("header", "authorization"));
    } catch (IllegalArgumentException e) {
      throw config.invalid("header", e.getMessage());
    }
    bearer = header.equals("authorization");
    strip = config.bool("strip_header", true);
    openServices = patterns(config, "open_services");
    List<PluginConfig> sections = config.sections("tokens");
    if (sections.isEmpty()) {
      throw config.invalid("tokens", "no token is configured, so every call would be rejected");
    }
    List<Token> parsed = new ArrayList<>(sections.size());
    for (int i = 0; i < sections.size(); i++) {
      PluginConfig token = sections.get(i);
      token.allowKeys("name", "sha256", "services");
      String hex = token.string("sha256").orElseThrow(() -> token.invalid("sha256", "missing: the hex SHA-256 of the token"));
      List<ServicePattern> services = patterns(token, "services");
      if (services.isEmpty()) {
        throw token.invalid("services", "missing: list the services this token may call, e.g. [\"pkg.*\"]");
      }
      parsed.add(new Token(token.string("name", ""), hexSha256(token, hex), services));
    }
    tokens = parsed.toArray(new Token[0]);
    unauthenticated = context.metrics().counter("unauthenticated_total", "Calls rejected for a missing or unknown token");
    denied = context.metrics().counter("permission_denied_total", "Calls rejected for a token outside its services");
    context.logger().info("{} token(s); credentials read from '{}'", tokens.length, header);
  }

  @Override
  public CompletionStage<FilterResult> onRequest(Call call) {
    String service = call.service();
    for (ServicePattern open : openServices) {
      if (open.matches(service)) {
        return CallFilter.proceed();
      }
    }
    Metadata headers = call.requestHeaders();
    String value = headers.get(header);
    if (value == null) {
      unauthenticated.increment();
      return CallFilter.reject(
          GrpcStatusCode.UNAUTHENTICATED, "missing credentials: send '" + header + (bearer ? ": Bearer <token>'" : ": <token>'"));
    }
    String presented = bearer ? bearerToken(value) : value.trim();
    if (presented == null || presented.isEmpty()) {
      unauthenticated.increment();
      return CallFilter.reject(GrpcStatusCode.UNAUTHENTICATED, "malformed credentials: expected '" + header + ": Bearer <token>'");
    }
    MessageDigest digest = SHA256.get();
    byte[] hash = digest.digest(presented.getBytes(StandardCharsets.UTF_8));
    Token match = null;
    for (Token token : tokens) {
      // Every hash is compared, even after a match: the time taken must not depend on the position.
      if (MessageDigest.isEqual(token.sha256(), hash) && match == null) {
        match = token;
      }
    }
    if (match == null) {
      unauthenticated.increment();
      return CallFilter.reject(GrpcStatusCode.UNAUTHENTICATED, "invalid token");
    }
    if (!match.mayCall(service)) {
      denied.increment();
      return CallFilter.reject(
          GrpcStatusCode.PERMISSION_DENIED,
          (match.name().isEmpty() ? "this token" : "token '" + match.name() + "'") + " may not call " + service);
    }
    if (strip) {
      headers.remove(header);
    }
    if (!match.name().isEmpty()) {
      call.attributes().put(ATTRIBUTE, match.name());
    }
    return CallFilter.proceed();
  }

  /** The token of a {@code Bearer <token>} value (scheme case-insensitive), or null. */
  private static String bearerToken(String value) {
    String v = value.trim();
    if (v.length() < 7 || !v.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
      return null;
    }
    return v.substring(7).trim();
  }

  private static List<ServicePattern> patterns(PluginConfig config, String key) {
    List<String> texts = config.strings(key);
    List<ServicePattern> patterns = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      try {
        patterns.add(ServicePattern.parse(texts.get(i)));
      } catch (IllegalArgumentException e) {
        throw config.invalid(key + "." + i, e.getMessage());
      }
    }
    return List.copyOf(patterns);
  }

  private static byte[] hexSha256(PluginConfig token, String hex) {
    if (hex.length() != 64) {
      throw token.invalid("sha256", "expected 64 hex digits (the SHA-256 of the token), found " + hex.length() + " characters");
    }
    byte[] bytes = new byte[32];
    for (int i = 0; i < 32; i++) {
      int hi = Character.digit(hex.charAt(2 * i), 16);
      int lo = Character.digit(hex.charAt(2 * i + 1), 16);
      if (hi < 0 || lo < 0) {
        throw token.invalid("sha256", "expected 64 hex digits (the SHA-256 of the token)");
      }
      bytes[i] = (byte) (hi << 4 | lo);
    }
    return bytes;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
