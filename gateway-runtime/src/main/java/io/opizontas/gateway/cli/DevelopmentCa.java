package io.opizontas.gateway.cli;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority for trying TLS locally, made with BouncyCastle: an EC P-256 root and the
 * certificates it signs, each usable for both TLS server and client authentication. Not for
 * production: its key sits unencrypted next to the certificates.
 */
final class DevelopmentCa {

  private static final SecureRandom RANDOM = new SecureRandom();

  private final X500Name name;
  private final KeyPair keys;
  private final X509Certificate certificate;
  private final Duration validity;

  private DevelopmentCa(X500Name name, KeyPair keys, X509Certificate certificate, Duration validity) {
    this.name = name;
    this.keys = keys;
    this.certificate = certificate;
    this.validity = validity;
  }

  /** A new root named {@code commonName}, valid from now for {@code validity}. */
  static DevelopmentCa create(String commonName, Duration validity) throws Exception {
    X500Name name = new X500Name("CN=" + commonName);
    KeyPair keys = ec();
    X509v3CertificateBuilder builder = builder(name, name, keys, validity);
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
    builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    builder.addExtension(Extension.subjectKeyIdentifier, false,
        new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
    return new DevelopmentCa(name, keys, sign(builder, keys.getPrivate()), validity);
  }

  X509Certificate certificate() {
    return certificate;
  }

  /** The CA's own key as PKCS#8 PEM. */
  String keyPem() throws IOException {
    return pem(new JcaPKCS8Generator(keys.getPrivate(), null).generate());
  }

  /** A key and a certificate naming {@code names}: DNS names, IP addresses, or URIs such as SPIFFE IDs. */
  Issued issue(String commonName, List<String> names) throws Exception {
    KeyPair pair = ec();
    X509v3CertificateBuilder builder = builder(name, new X500Name("CN=" + commonName), pair, validity);
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    builder.addExtension(Extension.extendedKeyUsage, false,
        new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
    builder.addExtension(Extension.authorityKeyIdentifier, false,
        new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(certificate));
    List<GeneralName> sans = new ArrayList<>();
    for (String san : names) {
      sans.add(san.contains("://") ? new GeneralName(GeneralName.uniformResourceIdentifier, san)
          : san.matches("[0-9.]+") || san.contains(":") ? new GeneralName(GeneralName.iPAddress, san)
          : new GeneralName(GeneralName.dNSName, san));
    }
    builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
    return new Issued(pair.getPrivate(), sign(builder, keys.getPrivate()), certificate);
  }

  /** An issued key and its chain (leaf, then the CA). */
  record Issued(PrivateKey key, X509Certificate certificate, X509Certificate issuer) {

    String chainPem() throws IOException {
      return pem(certificate, issuer);
    }

    String keyPem() throws IOException {
      return pem(new JcaPKCS8Generator(key, null).generate());
    }
  }

  static String pem(Object... objects) throws IOException {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      for (Object object : objects) {
        writer.writeObject(object);
      }
    }
    return text.toString();
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys,
      Duration validity) {
    Instant now = Instant.now();
    // A minute back, so a peer whose clock is slightly behind accepts it at once.
    return new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, RANDOM).add(BigInteger.ONE),
        Date.from(now.minus(Duration.ofMinutes(1))), Date.from(now.plus(validity)), subject, keys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer) throws Exception {
    return new JcaX509CertificateConverter()
        .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
  }

  private static KeyPair ec() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return generator.generateKeyPair();
  }
}
