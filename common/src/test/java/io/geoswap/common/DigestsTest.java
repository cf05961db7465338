package io.geoswap.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DigestsTest {
  @Test
  void sha256HexIsTheStandardDigestInLowerCaseHex() {
    // FIPS 180-2, appendix B.1: SHA-256("abc").
    assertThat(Digests.sha256Hex("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }
}
