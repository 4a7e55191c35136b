package io.opizontas.gateway.plugins.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMDecryptorProvider;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.InputDecryptorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;

/**
 * Certificates and private keys read from PEM files with BouncyCastle's {@link PEMParser}: keys in
 * PKCS#8 ({@code BEGIN PRIVATE KEY}, {@code BEGIN ENCRYPTED PRIVATE KEY}) and in OpenSSL's
 * traditional formats ({@code BEGIN RSA PRIVATE KEY}, PKCS#1; {@code BEGIN EC PRIVATE KEY}),
 * encrypted ones included. Decryption uses a private BouncyCastle provider instance, never one
 * registered JVM-wide, so the gateway's other TLS is untouched.
 */
final class PemFiles {

  private static final BouncyCastleProvider BC = new BouncyCastleProvider();

  private PemFiles() {}

  /** Every certificate of {@code file}, in file order; throws when there is none. */
  static List<X509Certificate> certificates(Path file) throws IOException, CertificateException {
    List<X509Certificate> certificates = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    try (PEMParser parser = new PEMParser(reader(file))) {
      for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
        if (object instanceof X509CertificateHolder holder) {
          certificates.add(converter.getCertificate(holder));
        }
      }
    }
    if (certificates.isEmpty()) {
      throw new CertificateException(file + " holds no PEM certificate (BEGIN CERTIFICATE)");
    }
    return certificates;
  }

  /**
   * The one private key of {@code file}.
   *
   * @param password decrypts an encrypted key; null when none was configured
   */
  static PrivateKey privateKey(Path file, char[] password) throws IOException, GeneralSecurityException {
    Object object;
    try (PEMParser parser = new PEMParser(reader(file))) {
      object = parser.readObject();
      while (object != null && !isKey(object)) {
        object = parser.readObject();
      }
    }
    if (object == null) {
      throw new GeneralSecurityException(file + " holds no PEM private key");
    }
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try {
      if (object instanceof PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      if (object instanceof PEMKeyPair pair) {
        // Not getKeyPair: an EC key written without its optional public point has none to convert.
        return converter.getPrivateKey(pair.getPrivateKeyInfo());
      }
      char[] secret = requirePassword(file, password);
      if (object instanceof PKCS8EncryptedPrivateKeyInfo encrypted) {
        InputDecryptorProvider decryptor = new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BC).build(secret);
        return converter.getPrivateKey(encrypted.decryptPrivateKeyInfo(decryptor));
      }
      PEMDecryptorProvider decryptor = new JcePEMDecryptorProviderBuilder().setProvider(BC).build(secret);
      return converter.getPrivateKey(((PEMEncryptedKeyPair) object).decryptKeyPair(decryptor).getPrivateKeyInfo());
    } catch (PKCSException | PEMException e) {
      throw new GeneralSecurityException("cannot read the private key of " + file
          + " (wrong password, or not a key): " + e.getMessage(), e);
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("cannot decrypt the private key of " + file + ": " + e.getMessage(), e);
    }
  }

  private static boolean isKey(Object object) {
    return object instanceof PrivateKeyInfo || object instanceof PEMKeyPair
        || object instanceof PKCS8EncryptedPrivateKeyInfo || object instanceof PEMEncryptedKeyPair;
  }

  private static char[] requirePassword(Path file, char[] password) throws GeneralSecurityException {
    if (password == null) {
      throw new GeneralSecurityException("the private key of " + file
          + " is encrypted: configure key_password_env or key_password_file");
    }
    return password;
  }

  private static Reader reader(Path file) throws IOException {
    return Files.newBufferedReader(file, StandardCharsets.US_ASCII);
  }
}
