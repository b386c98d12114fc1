package netheart

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash/crc32"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// appendSeal appends the trailer over b[start:]: an HMAC-SHA256 keyed with
// key, or with an empty key a CRC32C followed by zeros.
func appendSeal(b []byte, start int, key []byte) []byte {
	body := b[start:]
	if len(key) > 0 {
		m := hmac.New(sha256.New, key)
		m.Write(body)
		return m.Sum(b)
	}
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(body, castagnoli))
	var zero [MACLen - 4]byte
	return append(b, zero[:]...)
}

// verifySeal reports whether trailer is the right seal of body. The HMAC
// is compared in constant time.
func verifySeal(body, trailer, key []byte) bool {
	if len(key) > 0 {
		m := hmac.New(sha256.New, key)
		m.Write(body)
		return hmac.Equal(m.Sum(nil), trailer)
	}
	var want [MACLen]byte
	binary.BigEndian.PutUint32(want[:], crc32.Checksum(body, castagnoli))
	return [MACLen]byte(trailer) == want
}
