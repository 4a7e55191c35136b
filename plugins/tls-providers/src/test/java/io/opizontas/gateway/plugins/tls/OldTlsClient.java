package io.opizontas.gateway.plugins.tls;

import io.opizontas.gateway.testing.TestCa;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A bare JDK TLS client for handshakes a gRPC client cannot make: one protocol version only ({@link
 * #main}, run in a child JVM whose security settings allow TLS 1.1), or reading the certificate the
 * listener presents right now ({@link #serverCertificate}).
 */
public final class OldTlsClient {

  private OldTlsClient() {}

  /** {@code host port protocol}: prints "accepted PROTOCOL" or "refused: REASON". */
  public static void main(String[] args) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {trustAll()}, null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(args[0], Integer.parseInt(args[1]))) {
      socket.setEnabledProtocols(new String[] {args[2]});
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setApplicationProtocols(new String[] {"h2"});
      socket.setSSLParameters(parameters);
      socket.startHandshake();
      System.out.println("accepted " + socket.getSession().getProtocol());
    } catch (Exception e) {
      System.out.println("refused: " + e);
    }
  }

  /** The leaf certificate a new TLS connection to {@code host:port} is shown, presenting {@code client}. */
  public static X509Certificate serverCertificate(String host, int port, TestCa.Issued client) throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("client", client.key(), new char[0], client.chain().toArray(X509Certificate[]::new));
    KeyManagerFactory managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    managers.init(keys, new char[0]);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(managers.getKeyManagers(), new TrustManager[] {trustAll()}, null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(host, port)) {
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setApplicationProtocols(new String[] {"h2"});
      socket.setSSLParameters(parameters);
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  /** Trusts any server: these handshakes look at what the server does, not whom it is. */
  private static X509TrustManager trustAll() {
    return new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
  }
}
