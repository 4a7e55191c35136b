package io.opizontas.gateway.tls;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opizontas.gateway.testing.TestCa;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;

class PeerIdentityTest {

  private static final TestCa CA = TestCa.create("identity CA");

  private static X509Certificate naming(String... names) {
    return CA.issue("backend", names).certificate();
  }

  @Test
  void dnsNamesMatchIgnoringCaseAndWildcardsCoverOneLabel() {
    X509Certificate certificate = naming("cart.internal", "*.svc.internal");
    assertThatCode(() -> PeerIdentity.requireIdentity(certificate, "CART.internal")).doesNotThrowAnyException();
    assertThatCode(() -> PeerIdentity.requireIdentity(certificate, "a.svc.internal")).doesNotThrowAnyException();
    assertThatThrownBy(() -> PeerIdentity.requireIdentity(certificate, "a.b.svc.internal"))
        .isInstanceOf(CertificateException.class);
    assertThatThrownBy(() -> PeerIdentity.requireIdentity(certificate, "svc.internal"))
        .isInstanceOf(CertificateException.class);
  }

  @Test
  void ipAddressesMatchInAnySpelling() {
    X509Certificate certificate = naming("10.0.0.7", "::1");
    assertThatCode(() -> PeerIdentity.requireIdentity(certificate, "10.0.0.7")).doesNotThrowAnyException();
    assertThatCode(() -> PeerIdentity.requireIdentity(certificate, "0:0:0:0:0:0:0:1")).doesNotThrowAnyException();
    // A wildcard never covers an address.
    assertThatThrownBy(() -> PeerIdentity.requireIdentity(naming("*.0.0.7"), "10.0.0.7"))
        .isInstanceOf(CertificateException.class);
  }

  @Test
  void urisSuchAsSpiffeIdsMatchExactly() {
    X509Certificate certificate = naming("spiffe://corp/ns/shop/sa/cart");
    assertThatCode(() -> PeerIdentity.requireIdentity(certificate, "spiffe://corp/ns/shop/sa/cart"))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> PeerIdentity.requireIdentity(certificate, "spiffe://corp/ns/shop/sa/pay"))
        .hasMessageContaining("does not name identity 'spiffe://corp/ns/shop/sa/pay'")
        .hasMessageContaining("spiffe://corp/ns/shop/sa/cart");
  }

  @Test
  void aCertificateWithoutNamesNamesNothing() {
    assertThatThrownBy(() -> PeerIdentity.requireIdentity(naming(), "cart.internal"))
        .hasMessageContaining("names nothing");
  }
}
