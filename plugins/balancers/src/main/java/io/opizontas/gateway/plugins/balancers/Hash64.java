package io.opizontas.gateway.plugins.balancers;

/**
 * A 64-bit hash of a string's characters: FNV-1a over each char, then MurmurHash3's fmix64
 * finalizer. FNV-1a alone spreads similar short strings (addresses that differ in one digit,
 * sequential user ids) poorly over the high bits; the finalizer fixes that. Reads the chars in
 * place, so hashing a call's key allocates nothing. Not for anything adversarial.
 */
final class Hash64 {

  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private Hash64() {}

  static long of(CharSequence text) {
    long hash = FNV_OFFSET;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      hash = (hash ^ (c & 0xff)) * FNV_PRIME;
      hash = (hash ^ (c >>> 8)) * FNV_PRIME;
    }
    return fmix64(hash);
  }

  private static long fmix64(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }
}
