// Package wire holds the SMB2/SMB3 message codecs: pure functions over byte
// slices, no I/O, no reflection. Every structure cites its MS-SMB2 section.
//
// Conventions (one file per command, after quic-go's internal/wire):
//
//   - A message body type X has Length() int, the encoded body size, so the
//     compounder and credit charge can budget before encoding; and
//     Append(b []byte) []byte, which appends the body to b. b holds this
//     message's 64-byte header at b[0:64], so offsets that MS-SMB2 defines
//     "from the beginning of the SMB2 header" are computed as len(b) at the
//     time a field is placed.
//   - ParseX(msg []byte) (*X, error) decodes the body of msg, where msg starts
//     at the SMB2 header (offsets in the body are relative to msg[0]) and ends
//     where this message ends (NextCommand already applied by the caller).
//     Every length, offset and count is checked against msg before use; a
//     decoder returns *DecodeError and never panics on server bytes.
//   - Both directions exist for every structure (requests and responses), so
//     round-trip tests and the scripted test server share the same codecs.
//   - Returned slices may alias msg; callers that keep them past the buffer's
//     life copy them.
package wire
