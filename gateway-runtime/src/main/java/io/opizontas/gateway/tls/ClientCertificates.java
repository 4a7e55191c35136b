package io.opizontas.gateway.tls;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.io.ByteArrayInputStream;
import java.util.Base64;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.io.EndPoint;

/**
 * Carries the client certificate of a call on the TLS listener to the gateway's own registration
 * API, which runs behind the data path like any backend and so never sees the TLS connection.
 *
 * <p>Calls to that one service are stamped with the client's leaf certificate once it verified
 * against the listener's authorities, or with the reason it did not; headers of these names sent by
 * the client are always dropped first. A per-run secret goes along, so a local process calling the
 * registration API's loopback port directly cannot claim a certificate it does not hold. No other
 * service's calls are touched.
 */
public final class ClientCertificates {

  /** The leaf certificate, base64 DER, after it verified. */
  static final String CERTIFICATE = "opizontas-client-certificate";
  /** Why the certificate the client presented does not verify. */
  static final String UNTRUSTED = "opizontas-client-certificate-untrusted";
  /** This run's secret: proves the gateway wrote the two above. */
  static final String PROOF = "opizontas-client-certificate-proof";

  private final String service;
  private final ListenerTls listener;
  private final String proof;

  /**
   * @param service  the service whose calls carry the certificate (the registration API)
   * @param listener the TLS listener whose authorities verify it, or null when there is none
   */
  public ClientCertificates(String service, ListenerTls listener) {
    this.service = service;
    this.listener = listener;
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    this.proof = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
  }

  /**
   * The request as it should be forwarded: unchanged for other services; for the registration API,
   * without client-sent certificate headers and with the connection's verified certificate.
   */
  public MetaData.Request stamp(String callService, Stream stream, MetaData.Request request) {
    if (!service.equals(callService)) {
      return request;
    }
    HttpFields.Mutable fields = HttpFields.build(request.getHttpFields());
    fields.remove(CERTIFICATE);
    fields.remove(UNTRUSTED);
    fields.remove(PROOF);
    X509Certificate[] chain = peerCertificates(stream);
    if (chain != null && chain.length > 0 && listener != null) {
      String untrusted = listener.verifyClient(chain);
      if (untrusted == null) {
        try {
          fields.put(CERTIFICATE, Base64.getEncoder().encodeToString(chain[0].getEncoded()));
        } catch (CertificateEncodingException e) {
          fields.put(UNTRUSTED, "unreadable certificate: " + e.getMessage());
        }
      } else {
        fields.put(UNTRUSTED, untrusted.replaceAll("[\\r\\n]", " "));
      }
      fields.put(PROOF, proof);
    }
    return new MetaData.Request(request.getMethod(), request.getHttpURI(), request.getHttpVersion(), fields,
        request.getContentLength());
  }

  private static X509Certificate[] peerCertificates(Stream stream) {
    if (!(stream.getSession() instanceof HTTP2Session session)) {
      return null;
    }
    EndPoint.SslSessionData tls = session.getEndPoint().getSslSessionData();
    return tls == null ? null : tls.peerCertificates();
  }

  /** What the gateway says about the caller's certificate, read from the call's metadata. */
  public sealed interface Peer {
    /** No certificate, or metadata the gateway did not write. */
    record None() implements Peer {}

    /** A certificate that verified against the listener's authorities. */
    record Verified(X509Certificate certificate) implements Peer {}

    /** A certificate that did not verify, and why. */
    record Untrusted(String reason) implements Peer {}
  }

  /** Reads what {@link #stamp} wrote; {@code header} gives a metadata value by name, or null. */
  public Peer read(Function<String, String> header) {
    String presented = header.apply(PROOF);
    if (presented == null || !MessageDigest.isEqual(presented.getBytes(StandardCharsets.US_ASCII),
        proof.getBytes(StandardCharsets.US_ASCII))) {
      return new Peer.None();
    }
    String untrusted = header.apply(UNTRUSTED);
    if (untrusted != null) {
      return new Peer.Untrusted(untrusted);
    }
    String encoded = header.apply(CERTIFICATE);
    if (encoded == null) {
      return new Peer.None();
    }
    try {
      return new Peer.Verified((X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(encoded))));
    } catch (CertificateException | IllegalArgumentException e) {
      return new Peer.Untrusted("unreadable certificate: " + e.getMessage());
    }
  }

  /** The DNS names, IP addresses and URIs a certificate names (its subject alternative names). */
  public static java.util.List<String> names(X509Certificate certificate) throws CertificateException {
    return PeerIdentity.names(certificate);
  }
}
