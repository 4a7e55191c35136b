package io.opizontas.gateway.testing;

import io.opizontas.gateway.api.TlsMaterial;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made in memory for tests: it issues server and client certificates with
 * the names (SANs) a test needs, valid or already expired, and writes them as PEM or PKCS#12 the
 * way operators get them from real CAs. Keys are EC P-256 unless a test asks for RSA.
 */
public final class TestCa {

  private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Encrypts keys the way OpenSSL does; a private instance, never registered JVM-wide. */
  private static final BouncyCastleProvider BC = new BouncyCastleProvider();

  private final X500Name name;
  private final KeyPair keys;
  private final X509Certificate certificate;

  private TestCa(X500Name name, KeyPair keys, X509Certificate certificate) {
    this.name = name;
    this.keys = keys;
    this.certificate = certificate;
  }

  /** A new self-signed root, valid from an hour ago for a day. */
  public static TestCa create(String commonName) {
    try {
      X500Name name = new X500Name("CN=" + commonName);
      KeyPair keys = ec();
      Instant now = Instant.now();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), name, keys.getPublic());
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      builder.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
      return new TestCa(name, keys, sign(builder, keys.getPrivate()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The CA's own certificate, what peers trust. */
  public X509Certificate certificate() {
    return certificate;
  }

  /** A certificate for {@code names} (DNS names, IP addresses or URIs), valid for a day, EC key. */
  public Issued issue(String commonName, String... names) {
    return issue(commonName, Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1)), false,
        names);
  }

  /** Like {@link #issue} but its validity ended an hour ago. */
  public Issued issueExpired(String commonName, String... names) {
    return issue(commonName, Instant.now().minus(Duration.ofDays(2)), Instant.now().minus(Duration.ofHours(1)), false,
        names);
  }

  /** Like {@link #issue} with an RSA key. */
  public Issued issueRsa(String commonName, String... names) {
    return issue(commonName, Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1)), true,
        names);
  }

  private Issued issue(String commonName, Instant from, Instant to, boolean rsa, String... names) {
    try {
      KeyPair pair = rsa ? rsa() : ec();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(), Date.from(from), Date.from(to),
          new X500Name("CN=" + commonName), pair.getPublic());
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      builder.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      builder.addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(certificate));
      if (names.length > 0) {
        List<GeneralName> sans = new ArrayList<>();
        for (String san : names) {
          sans.add(generalName(san));
        }
        builder.addExtension(Extension.subjectAlternativeName, false,
            new GeneralNames(sans.toArray(GeneralName[]::new)));
      }
      return new Issued(pair.getPrivate(), List.of(sign(builder, keys.getPrivate()), certificate));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static GeneralName generalName(String san) {
    if (san.contains("://")) {
      return new GeneralName(GeneralName.uniformResourceIdentifier, san);
    }
    if (san.matches("[0-9.]+") || san.contains(":")) {
      return new GeneralName(GeneralName.iPAddress, san);
    }
    return new GeneralName(GeneralName.dNSName, san);
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer) throws Exception {
    return new JcaX509CertificateConverter()
        .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
  }

  private static BigInteger serial() {
    return BigInteger.valueOf(SERIALS.incrementAndGet());
  }

  private static KeyPair ec() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return generator.generateKeyPair();
  }

  private static KeyPair rsa() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048, RANDOM);
    return generator.generateKeyPair();
  }

  /** Writes {@code objects} (certificates, keys) as PEM text. */
  public static String pem(Object... objects) {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      for (Object object : objects) {
        writer.writeObject(object);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }

  /** Writes the CA certificate as a PEM bundle file. */
  public Path writeCertificate(Path file) {
    return write(file, pem(certificate));
  }

  /** Writes {@code text} to {@code file}, replacing it in place (not atomically, as a careless rotation does). */
  public static Path write(Path file, String text) {
    try {
      return Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A key and its certificate chain (leaf, then the CA). */
  public record Issued(PrivateKey key, List<X509Certificate> chain) {

    /** The leaf certificate. */
    public X509Certificate certificate() {
      return chain.get(0);
    }

    /** Material presenting this certificate and trusting {@code trusted}. */
    public TlsMaterial material(X509Certificate... trusted) {
      return new TlsMaterial(key, chain, List.of(trusted));
    }

    /** The chain as PEM, leaf first. */
    public String chainPem() {
      return pem(chain.toArray());
    }

    /** The key as unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
    public String pkcs8Pem() {
      try {
        return pem(new JcaPKCS8Generator(key, null).generate());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    /** The key as PKCS#8 encrypted with {@code password} ({@code BEGIN ENCRYPTED PRIVATE KEY}). */
    public String encryptedPkcs8Pem(char[] password) {
      try {
        OutputEncryptor encryptor = new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
            .setProvider(BC).setRandom(RANDOM).setPassword(password).build();
        return pem(new JcaPKCS8Generator(key, encryptor).generate());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    /**
     * The key in OpenSSL's traditional format ({@code BEGIN RSA PRIVATE KEY} / {@code BEGIN EC
     * PRIVATE KEY}, PKCS#1 for RSA), encrypted with {@code password} when it is not null.
     */
    public String traditionalPem(char[] password) {
      StringWriter text = new StringWriter();
      try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
        // The JDK's EC keys leave the curve out of the inner SEC1 structure, which the traditional
        // format needs (OpenSSL writes it); BouncyCastle's copy of the key keeps it.
        PrivateKey key = KeyFactory.getInstance(this.key.getAlgorithm(), BC)
            .generatePrivate(new PKCS8EncodedKeySpec(this.key.getEncoded()));
        if (password == null) {
          writer.writeObject(key);
        } else {
          writer.writeObject(key, new JcePEMEncryptorBuilder("AES-128-CBC").setProvider(BC).setSecureRandom(RANDOM).build(password));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
      return text.toString();
    }

    /** Writes the chain and the PKCS#8 key to {@code dir}/{@code name}.crt and .key. */
    public Issued writePem(Path dir, String name) {
      write(dir.resolve(name + ".crt"), chainPem());
      write(dir.resolve(name + ".key"), pkcs8Pem());
      return this;
    }

    /** A PKCS#12 key store holding this key and chain under alias {@code alias}. */
    public Path writePkcs12(Path file, String alias, char[] password) {
      try {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(alias, key, password, chain.toArray(X509Certificate[]::new));
        try (var out = Files.newOutputStream(file)) {
          store.store(out, password);
        }
        return file;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** A PKCS#12 trust store holding the given CA certificates. */
  public static Path writeTrustStore(Path file, char[] password, X509Certificate... cas) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (int i = 0; i < cas.length; i++) {
        store.setCertificateEntry("ca-" + i, cas[i]);
      }
      try (var out = Files.newOutputStream(file)) {
        store.store(out, password);
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
