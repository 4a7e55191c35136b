package io.opizontas.gateway.tls;

import java.net.InetAddress;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Checks, after the usual chain validation, that a backend's certificate names the identity the
 * gateway expects: a subject alternative name of type DNS (a {@code *.} wildcard covers one label),
 * IP address or URI (such as a SPIFFE ID) equal to it. The expected identity is configured per
 * service, or else the host name the endpoint was registered with, which Jetty gives the TLS engine
 * as its peer host. The JDK's own check (endpoint identification "HTTPS") knows no URIs, so this one
 * replaces it.
 */
final class PeerIdentity extends X509ExtendedTrustManager {

  private static final int DNS = 2;
  private static final int URI = 6;
  private static final int IP = 7;

  private final X509ExtendedTrustManager chain;
  /** The identity every backend must carry, or null for the engine's peer host. */
  private final String expected;

  PeerIdentity(X509ExtendedTrustManager chain, String expected) {
    this.chain = chain;
    this.expected = expected;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] certificates, String authType, SSLEngine engine)
      throws CertificateException {
    try {
      chain.checkServerTrusted(certificates, authType, engine);
    } catch (CertificateException e) {
      throw untrusted(e);
    }
    requireIdentity(certificates[0], expected != null ? expected : engine.getPeerHost());
  }

  @Override
  public void checkServerTrusted(X509Certificate[] certificates, String authType, Socket socket)
      throws CertificateException {
    try {
      chain.checkServerTrusted(certificates, authType, socket);
    } catch (CertificateException e) {
      throw untrusted(e);
    }
    requireIdentity(certificates[0], expected != null ? expected : socket.getInetAddress().getHostName());
  }

  @Override
  public void checkServerTrusted(X509Certificate[] certificates, String authType) throws CertificateException {
    try {
      chain.checkServerTrusted(certificates, authType);
    } catch (CertificateException e) {
      throw untrusted(e);
    }
    if (expected == null) {
      throw new CertificateException("no peer host to check the backend's identity against");
    }
    requireIdentity(certificates[0], expected);
  }

  /**
   * The JDK says "validity check failed" for an expired certificate and keeps the reason in a cause;
   * operators reading the call's status need the reason.
   */
  private static CertificateException untrusted(CertificateException failure) {
    String reason = failure.getMessage();
    for (Throwable cause = failure.getCause(); cause != null; cause = cause.getCause()) {
      if (cause instanceof CertificateExpiredException) {
        reason = "a certificate of its chain has expired (" + cause.getMessage() + ")";
      } else if (cause instanceof CertificateNotYetValidException) {
        reason = "a certificate of its chain is not valid yet (" + cause.getMessage() + ")";
      }
    }
    return new CertificateException("the backend's certificate is not trusted: " + reason, failure);
  }

  static void requireIdentity(X509Certificate certificate, String identity) throws CertificateException {
    if (identity == null) {
      throw new CertificateException("no identity to check the backend's certificate against");
    }
    List<String> names = names(certificate);
    for (String name : names) {
      if (matches(name, identity)) {
        return;
      }
    }
    throw new CertificateException("the backend's certificate does not name identity '" + identity + "'; it names "
        + (names.isEmpty() ? "nothing (no DNS, IP or URI subject alternative name)" : names));
  }

  /** The DNS names, IP addresses and URIs of {@code certificate}'s subject alternative names. */
  static List<String> names(X509Certificate certificate) throws CertificateParsingException {
    List<String> names = new ArrayList<>();
    Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
    if (sans != null) {
      for (List<?> san : sans) {
        int type = (Integer) san.get(0);
        if (type == DNS || type == IP || type == URI) {
          names.add((String) san.get(1));
        }
      }
    }
    return names;
  }

  private static boolean matches(String name, String identity) {
    if (name.equalsIgnoreCase(identity)) {
      return true;
    }
    if (isIp(name) && isIp(identity)) {
      try {
        return InetAddress.getByName(name).equals(InetAddress.getByName(identity));
      } catch (java.net.UnknownHostException e) {
        return false;
      }
    }
    // *.example.com covers a.example.com, never a.b.example.com nor example.com.
    if (name.startsWith("*.") && !isIp(identity)) {
      String host = identity.toLowerCase(Locale.ROOT);
      int dot = host.indexOf('.');
      return dot > 0 && host.substring(dot).equals(name.substring(1).toLowerCase(Locale.ROOT));
    }
    return false;
  }

  private static boolean isIp(String text) {
    return text.matches("[0-9.]+") || (text.contains(":") && !text.contains("://"));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] certificates, String authType, SSLEngine engine)
      throws CertificateException {
    chain.checkClientTrusted(certificates, authType, engine);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] certificates, String authType, Socket socket)
      throws CertificateException {
    chain.checkClientTrusted(certificates, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] certificates, String authType) throws CertificateException {
    chain.checkClientTrusted(certificates, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return chain.getAcceptedIssuers();
  }
}
