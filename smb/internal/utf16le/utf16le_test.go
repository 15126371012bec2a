package utf16le

import "testing"

func TestRoundTrip(t *testing.T) {
	for _, s := range []string{"", "a", "dir\\file.txt", "é", "日本語", "😀x", "\x00"} {
		b := Encode(s)
		if len(b) != EncodedLen(s) {
			t.Errorf("%q: EncodedLen %d, encoded %d", s, EncodedLen(s), len(b))
		}
		got, err := Decode(b)
		if err != nil || got != s {
			t.Errorf("%q: round trip gave %q, %v", s, got, err)
		}
	}
}

func TestGolden(t *testing.T) {
	if got := Encode("A😀"); string(got) != "A\x00\x3d\xd8\x00\xde" {
		t.Errorf("Encode = % x", got)
	}
	if _, err := Decode([]byte{1}); err != ErrOddLength {
		t.Errorf("odd length: %v", err)
	}
}
