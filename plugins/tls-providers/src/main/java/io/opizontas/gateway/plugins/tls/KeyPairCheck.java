package io.opizontas.gateway.plugins.tls;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;

/**
 * Whether a private key belongs to a certificate: it signs a random challenge that the
 * certificate's public key must verify. Works for every key type the JDK signs with (RSA, EC,
 * EdDSA), including PKCS#8 EC keys that do not carry their public point. Catches the half-written
 * pair of a rotation: a new certificate next to the old key, or the other way round.
 */
final class KeyPairCheck {

  private static final SecureRandom RANDOM = new SecureRandom();

  private KeyPairCheck() {}

  /** Throws naming both when {@code key} is not the key of {@code certificate}. */
  static void requireMatch(PrivateKey key, X509Certificate certificate) throws GeneralSecurityException {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
      default -> throw new GeneralSecurityException("unsupported key algorithm " + key.getAlgorithm());
    };
    if (!key.getAlgorithm().equals(certificate.getPublicKey().getAlgorithm())
        && !(key.getAlgorithm().startsWith("Ed") && certificate.getPublicKey().getAlgorithm().startsWith("Ed"))) {
      throw mismatch(certificate);
    }
    byte[] challenge = new byte[32];
    RANDOM.nextBytes(challenge);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(challenge);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(certificate.getPublicKey());
    verifier.update(challenge);
    if (!verifier.verify(signature)) {
      throw mismatch(certificate);
    }
  }

  private static GeneralSecurityException mismatch(X509Certificate certificate) {
    return new GeneralSecurityException("the private key does not belong to the certificate "
        + certificate.getSubjectX500Principal().getName() + " (a key and certificate from different pairs)");
  }
}
