package filecheck

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/webp"
)

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// decodeWhole decodes a picture to its last pixel, after checking that it
// is not too large to: a picture whose header is fine but whose pixels are
// not is damaged.
func decodeWhole(data []byte, kind string, config func(io.Reader) (image.Config, error),
	decode func(io.Reader) (image.Image, error)) string {
	cfg, err := config(bytes.NewReader(data))
	if err != nil {
		return damagedPicture(kind)
	}
	if problem := checkPixels(cfg, kind); problem != "" {
		return problem
	}
	if _, err := decode(bytes.NewReader(data)); err != nil {
		return damagedPicture(kind)
	}
	return ""
}

// checkPNG walks a PNG's chunks, each with its checksum, to the IEND chunk,
// which must end the file; its text chunks may hold no web markup; and it
// must decode.
func checkPNG(data []byte, decode bool) string {
	i := len(pngSignature)
	for {
		if len(data)-i < 12 {
			return damagedPicture("PNG")
		}
		size := int64(binary.BigEndian.Uint32(data[i:]))
		if size > int64(len(data)-i-12) {
			return damagedPicture("PNG")
		}
		end := i + 12 + int(size)
		kind, body := data[i+4:i+8], data[i+8:end-4]
		if crc32.ChecksumIEEE(data[i+4:end-4]) != binary.BigEndian.Uint32(data[end-4:]) {
			return damagedPicture("PNG")
		}
		// IDAT and fdAT hold compressed pixels; every other chunk is
		// read as it stands (text, profiles, a palette).
		if k := string(kind); k != "IDAT" && k != "fdAT" && hasWebMarkup(body) {
			return webMarkupProblem("PNG")
		}
		i = end
		if string(kind) == "IEND" {
			break
		}
	}
	switch {
	case i != len(data):
		return extraAfterPicture("PNG")
	case !decode:
		return ""
	}
	return decodeWhole(data, "PNG", png.DecodeConfig, png.Decode)
}

// checkJPEG walks a JPEG's segments and scans to its end-of-image marker,
// and decodes it. After it may come only more whole JPEG pictures (a
// phone's HDR gain map, or a camera's preview, as the Multi-Picture Format
// stores them) and padding of 0x00 or 0xFF bytes; anything else is refused,
// a phone's motion-photo video too. The segments that carry text (APPn,
// COM) may hold no web markup.
func checkJPEG(data []byte, decode bool) string {
	for i, first := 0, true; i < len(data); first = false {
		if !bytes.HasPrefix(data[i:], []byte{0xFF, 0xD8, 0xFF}) {
			if data[i] == 0x00 || data[i] == 0xFF {
				i++
				continue
			}
			return extraAfterJPEG
		}
		n, text, ok := jpegLength(data[i:])
		if !ok {
			if first {
				return damagedPicture("JPEG")
			}
			return extraAfterJPEG
		}
		for _, t := range text {
			if hasWebMarkup(t) {
				return webMarkupProblem("JPEG")
			}
		}
		if !decode {
			i += n
			continue
		}
		if problem := decodeWhole(data[i:i+n], "JPEG", jpeg.DecodeConfig, jpeg.Decode); problem != "" {
			return problem
		}
		i += n
	}
	return ""
}

var extraAfterJPEG = "This file is not a valid JPEG image: it has extra data after the picture (a phone's \"motion photo\" " +
	"keeps a video there). Save the picture again as a still JPEG and upload that copy."

// jpegLength finds the end of the JPEG picture data starts with: the byte
// after its end-of-image marker. It also returns the bodies of the
// segments that carry text and metadata (APP0-APP15 and COM).
func jpegLength(data []byte) (n int, text [][]byte, ok bool) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return 0, nil, false
	}
	i := 2
	for {
		if i >= len(data) || data[i] != 0xFF {
			return 0, nil, false
		}
		for i < len(data) && data[i] == 0xFF { // fill bytes before a marker
			i++
		}
		if i >= len(data) {
			return 0, nil, false
		}
		marker := data[i]
		i++
		switch {
		case marker == 0xD9: // end of image
			return i, text, true
		case marker >= 0xD0 && marker <= 0xD7, marker == 0x01: // markers without a length
			continue
		case marker == 0x00 || marker == 0xD8:
			return 0, nil, false
		}
		if len(data)-i < 2 {
			return 0, nil, false
		}
		size := int(binary.BigEndian.Uint16(data[i:]))
		if size < 2 || size > len(data)-i {
			return 0, nil, false
		}
		if marker >= 0xE0 && marker <= 0xEF || marker == 0xFE {
			text = append(text, data[i+2:i+size])
		}
		i += size
		if marker != 0xDA { // only a start of scan is followed by coded data
			continue
		}
		// The coded data runs to the next marker other than a restart:
		// 0xFF in it is followed by 0x00 (a stuffed byte) or a restart.
		for {
			j := bytes.IndexByte(data[i:], 0xFF)
			if j < 0 {
				return 0, nil, false
			}
			k := i + j + 1
			for k < len(data) && data[k] == 0xFF {
				k++
			}
			if k >= len(data) {
				return 0, nil, false
			}
			if data[k] == 0x00 || data[k] >= 0xD0 && data[k] <= 0xD7 {
				i = k + 1
				continue
			}
			i = k - 1
			break
		}
	}
}

// checkWebP checks that the RIFF container's size is the file's, walks its
// chunks to that end, and decodes the picture. Animated WebP is not
// decoded, and so not accepted.
func checkWebP(data []byte, decode bool) string {
	size := int64(binary.LittleEndian.Uint32(data[4:8])) + 8
	switch {
	case size < int64(len(data)):
		return extraAfterPicture("WebP")
	case size > int64(len(data)):
		return damagedPicture("WebP")
	}
	for i := 12; i < len(data); {
		if len(data)-i < 8 {
			return damagedPicture("WebP")
		}
		kind := string(data[i : i+4])
		n := int64(binary.LittleEndian.Uint32(data[i+4:]))
		if n > int64(len(data)-i-8) {
			return damagedPicture("WebP")
		}
		body := data[i+8 : i+8+int(n)]
		switch kind {
		case "VP8 ", "VP8L", "ALPH", "ANMF":
		default: // VP8X, EXIF, XMP, ICCP and any other
			if hasWebMarkup(body) {
				return webMarkupProblem("WebP")
			}
		}
		i += 8 + int(n) + int(n&1) // a chunk of odd size is padded to even
	}
	if !decode {
		return ""
	}
	cfg, err := webp.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return undecodableWebP
	}
	if problem := checkPixels(cfg, "WebP"); problem != "" {
		return problem
	}
	if _, err := webp.Decode(bytes.NewReader(data)); err != nil {
		return undecodableWebP
	}
	return ""
}

var undecodableWebP = "This WebP picture is damaged, or animated, and cannot be shown. Save it as a still PNG or " +
	"JPEG and upload that copy."
