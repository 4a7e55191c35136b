package io.opizontas.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * New TLS connections in a closed loop, each a full handshake (mutual TLS, ALPN h2) and a first
 * HTTP/2 exchange: the client's preface and SETTINGS out, the server's first frame in. Then the
 * connection is dropped. The JDK's client (SSLSocket) is the same for every server measured, so
 * the figures compare the servers' handshakes.
 */
final class Handshakes {

  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  /** An empty SETTINGS frame: length 0, type 4, no flags, stream 0. */
  private static final byte[] SETTINGS = {0, 0, 0, 4, 0, 0, 0, 0, 0};
  private static final int TIMEOUT_MILLIS = 10_000;

  /**
   * @param perSecond handshakes (each with its first exchange) completed per second
   * @param handshakes how many completed
   * @param errors how many failed
   */
  record Result(double perSecond, long handshakes, long errors) {}

  private Handshakes() {}

  /** A client context presenting {@code dir}'s client.crt and trusting its ca.crt (files of {@code opizontas certs}). */
  static SSLContext clientContext(Path dir) throws Exception {
    CertificateFactory x509 = CertificateFactory.getInstance("X.509");
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    List<Certificate> chain;
    try (InputStream in = Files.newInputStream(dir.resolve("client.crt"))) {
      chain = new ArrayList<>(x509.generateCertificates(in));
    }
    keys.setKeyEntry("client", privateKey(dir.resolve("client.key")), new char[0], chain.toArray(Certificate[]::new));
    KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, new char[0]);
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(dir.resolve("ca.crt"))) {
      trust.setCertificateEntry("ca", x509.generateCertificate(in));
    }
    TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trustManagers.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
    return context;
  }

  /** A PKCS#8 PEM key, EC (as {@code opizontas certs} makes them) or RSA. */
  private static PrivateKey privateKey(Path pem) throws Exception {
    String base64 = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64));
    try {
      return KeyFactory.getInstance("EC").generatePrivate(spec);
    } catch (java.security.spec.InvalidKeySpecException notEc) {
      return KeyFactory.getInstance("RSA").generatePrivate(spec);
    }
  }

  /** {@code threads} loops of new connections to 127.0.0.1:{@code port} for {@code duration}. */
  static Result run(SSLContext context, int port, int threads, Duration duration) throws InterruptedException {
    AtomicLong done = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    List<Thread> loops = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Thread loop = new Thread(() -> {
        while (System.nanoTime() < end) {
          try {
            connect(context, port);
            done.incrementAndGet();
          } catch (IOException | RuntimeException e) {
            if (errors.getAndIncrement() == 0) {
              System.err.println("TLS handshake to port " + port + " failed: " + e);
            }
          }
        }
      }, "handshakes-" + i);
      loop.start();
      loops.add(loop);
    }
    for (Thread loop : loops) {
      loop.join();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Result(done.get() / seconds, done.get(), errors.get());
  }

  private static void connect(SSLContext context, int port) throws IOException {
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      // Reset on close: the client makes thousands of connections a second, and TIME_WAIT would
      // run out of ephemeral ports.
      socket.setSoLinger(true, 0);
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(TIMEOUT_MILLIS);
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setApplicationProtocols(new String[] {"h2"});
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      socket.setSSLParameters(parameters);
      socket.startHandshake();
      if (!"h2".equals(socket.getApplicationProtocol())) {
        throw new IOException("ALPN chose '" + socket.getApplicationProtocol() + "', not h2");
      }
      OutputStream out = socket.getOutputStream();
      byte[] hello = new byte[PREFACE.length + SETTINGS.length];
      System.arraycopy(PREFACE, 0, hello, 0, PREFACE.length);
      System.arraycopy(SETTINGS, 0, hello, PREFACE.length, SETTINGS.length);
      out.write(hello);
      out.flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      byte[] header = new byte[9];
      in.readFully(header);
      if (header[3] != 4) {
        throw new IOException("the server's first frame is of type " + header[3] + ", not SETTINGS");
      }
      in.readFully(new byte[((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff)]);
      // Forgotten, so that the next connection makes a full handshake rather than resuming this one.
      socket.getSession().invalidate();
    }
  }
}
