package app

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"strings"

	"folio/app/filecheck"
	"folio/db"
)

// photo is a patient's picture, decoded from the form's data URL.
type photo struct {
	contentType string // image/jpeg or image/png, as its bytes say
	data        []byte
}

func (p photo) empty() bool { return len(p.data) == 0 }

// dataURL is the photo as the UI shows it; "" for none.
func (p photo) dataURL() string {
	if p.empty() {
		return ""
	}
	return "data:" + p.contentType + ";base64," + base64.StdEncoding.EncodeToString(p.data)
}

// photoTypes are the data URL types a photo may be sent as.
var photoTypes = map[string]bool{"image/jpeg": true, "image/jpg": true, "image/png": true}

const photoProblem = "The photo must be a JPEG or PNG picture."

// parsePhoto reads a photo sent as a data URL, or says what is wrong with
// it. Its type is taken from its first bytes, whatever the data URL says,
// and it must decode as that type.
func parsePhoto(url string) (photo, string) {
	if url == "" {
		return photo{}, ""
	}
	header, payload, ok := strings.Cut(url, ",")
	mediaType, isBase64 := strings.CutSuffix(strings.TrimPrefix(header, "data:"), ";base64")
	if !ok || !strings.HasPrefix(header, "data:") || !isBase64 || !photoTypes[strings.ToLower(mediaType)] {
		return photo{}, photoProblem
	}
	if base64.StdEncoding.DecodedLen(len(payload)) > db.MaxPhotoBytes+3 {
		return photo{}, photoTooLarge
	}
	data, err := base64.StdEncoding.DecodeString(payload)
	if err != nil || len(data) == 0 {
		return photo{}, photoProblem
	}
	if len(data) > db.MaxPhotoBytes {
		return photo{}, photoTooLarge
	}
	var contentType string
	var decodeConfig func(io.Reader) (image.Config, error)
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		contentType, decodeConfig = "image/jpeg", jpeg.DecodeConfig
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		contentType, decodeConfig = "image/png", png.DecodeConfig
	default:
		return photo{}, photoProblem
	}
	if _, err := decodeConfig(bytes.NewReader(data)); err != nil {
		return photo{}, photoProblem
	}
	return photo{contentType: contentType, data: data}, ""
}

var photoTooLarge = fmt.Sprintf("The photo can be at most %d KiB; take a smaller picture.", db.MaxPhotoBytes>>10)

// photoURL reads photo id as a data URL; "" for id 0, no photo.
func (o *op) photoURL(id int64) (string, error) {
	if id == 0 {
		return "", nil
	}
	ph, err := o.PhotoByID(id)
	if err != nil {
		return "", fmt.Errorf("read photo %d: %w", id, err)
	}
	return photo{contentType: ph.ContentType, data: ph.Data}.dataURL(), nil
}

// storePhoto keeps ph as a new photo of the patient and returns its id; 0
// when there is no photo. The photo is checked whole first (decoded, with
// nothing after the picture: see package filecheck); the check is made
// here, where a photo is stored, so that a chart's photo stored before it
// is kept through a correction that sends it back unchanged.
func (o *op) storePhoto(patientID string, ph photo) (int64, error) {
	if ph.empty() {
		return 0, nil
	}
	if _, problem := filecheck.Check(ph.data); problem != "" {
		return 0, fieldErrors{"photo": problem}.err()
	}
	return o.InsertPhoto(db.Photo{PatientID: patientID, ContentType: ph.contentType, Data: ph.data,
		AddedAt: o.now, AddedBy: o.actor.userID})
}

// photoLabel names a photo in a patient's history.
func photoLabel(id int64) string {
	if id == 0 {
		return ""
	}
	return fmt.Sprintf("photo #%d", id)
}
