// Package replicate streams the chart database, as it is written, to a
// replica on another disk or machine with Litestream (used as a library),
// and brings a clinic back from such a replica: the latest state, or the
// state at a point in time.
//
// Litestream v0.5 replicates a database to exactly one destination, so a
// clinic has one continuous replica; the scheduled backups give it a
// second, independent copy.
package replicate

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/benbjohnson/litestream"
	"github.com/benbjohnson/litestream/file"
	lss3 "github.com/benbjohnson/litestream/s3"
	lssftp "github.com/benbjohnson/litestream/sftp"
	"golang.org/x/crypto/ssh"
)

// Kind is where a replica is kept.
type Kind string

const (
	Folder Kind = "folder" // a USB disk, a second disk, a mounted share or NAS
	SFTP   Kind = "sftp"   // another machine on the clinic's network
	S3     Kind = "s3"     // S3-compatible object storage, for an off-site copy
)

// Target says where the replica is and how to reach it. Password,
// PrivateKey and SecretKey are secrets: Public leaves them out.
type Target struct {
	Kind Kind `json:"kind"`
	// Folder: the folder's absolute path. SFTP and S3: the path inside
	// the server or bucket.
	Path string `json:"path"`

	// SFTP.
	Host     string `json:"host,omitempty"` // host or host:port (22 if none)
	User     string `json:"user,omitempty"`
	Password string `json:"password,omitempty"`
	// HostKey is the server's public key, as a line of known_hosts or
	// authorized_keys ("ssh-ed25519 AAAA..."): Folio connects to no
	// other server in its name.
	HostKey string `json:"hostKey,omitempty"`
	// KeyFile is the path of a private key file that signs in, instead of
	// (or as well as) the password.
	KeyFile string `json:"keyFile,omitempty"`

	// S3.
	Endpoint  string `json:"endpoint,omitempty"` // "" for AWS itself
	Bucket    string `json:"bucket,omitempty"`
	Region    string `json:"region,omitempty"`
	AccessKey string `json:"accessKey,omitempty"`
	SecretKey string `json:"secretKey,omitempty"`
}

// FieldError is what is wrong with one field of a Target, in words for
// the admin.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Message }

// Check says what is missing or wrong in t, field by field, before any
// connection is tried.
func (t Target) Check() error {
	need := func(field, value, what string) error {
		if strings.TrimSpace(value) == "" {
			return &FieldError{field, what + " is required"}
		}
		return nil
	}
	switch t.Kind {
	case Folder:
		if err := need("path", t.Path, "The folder"); err != nil {
			return err
		}
		if !filepath.IsAbs(t.Path) {
			return &FieldError{"path", "Give the folder's whole path (e.g. /media/usb/folio-replica or E:\\folio-replica)"}
		}
		info, err := os.Stat(t.Path)
		if err != nil || !info.IsDir() {
			return &FieldError{"path", fmt.Sprintf("There is no folder %s: plug in the disk or make the folder first", t.Path)}
		}
	case SFTP:
		for _, f := range []struct{ field, value, what string }{
			{"host", t.Host, "The server"}, {"user", t.User, "The user name"}, {"path", t.Path, "The folder on the server"},
			{"hostKey", t.HostKey, "The server's key"},
		} {
			if err := need(f.field, f.value, f.what); err != nil {
				return err
			}
		}
		if t.Password == "" && t.KeyFile == "" {
			return &FieldError{"password", "A password or a key file is required"}
		}
		if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(hostKeyLine(t.HostKey))); err != nil {
			return &FieldError{"hostKey", "The server's key is not a public key line (ssh-ed25519 AAAA…); on the server, run: cat /etc/ssh/ssh_host_ed25519_key.pub"}
		}
	case S3:
		for _, f := range []struct{ field, value, what string }{
			{"bucket", t.Bucket, "The bucket"}, {"accessKey", t.AccessKey, "The access key"}, {"secretKey", t.SecretKey, "The secret key"},
		} {
			if err := need(f.field, f.value, f.what); err != nil {
				return err
			}
		}
		if t.Endpoint != "" {
			u, err := url.Parse(t.Endpoint)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return &FieldError{"endpoint", "The endpoint is an address like https://s3.example.com"}
			}
		}
	default:
		return &FieldError{"kind", "Choose a folder, an SFTP server or S3 storage"}
	}
	return nil
}

// hostKeyLine takes the key out of a known_hosts line ("host ssh-ed25519
// AAAA...") as well as an authorized_keys one.
func hostKeyLine(s string) string {
	fields := strings.Fields(s)
	for i, f := range fields {
		if strings.HasPrefix(f, "ssh-") || strings.HasPrefix(f, "ecdsa-") {
			return strings.Join(fields[i:], " ")
		}
	}
	return s
}

// Public is t without its secrets, for screens and logs.
func (t Target) Public() Target {
	t.Password, t.SecretKey = "", ""
	return t
}

// String names the replica for a person: "the folder /media/usb/x",
// "sftp backup@nas:22/folio", "s3 clinic-bucket/folio at https://…".
func (t Target) String() string {
	switch t.Kind {
	case Folder:
		return "the folder " + t.Path
	case SFTP:
		return fmt.Sprintf("sftp %s@%s:%s", t.User, t.hostPort(), t.Path)
	case S3:
		s := "s3 " + strings.TrimSuffix(t.Bucket+"/"+strings.TrimPrefix(t.Path, "/"), "/")
		if t.Endpoint != "" {
			s += " at " + t.Endpoint
		}
		return s
	}
	return "no replica"
}

func (t Target) hostPort() string {
	if _, _, err := net.SplitHostPort(t.Host); err == nil {
		return t.Host
	}
	return net.JoinHostPort(t.Host, "22")
}

// client is Litestream's client for t.
func (t Target) client() (litestream.ReplicaClient, error) {
	if err := t.Check(); err != nil {
		return nil, err
	}
	switch t.Kind {
	case Folder:
		return file.NewReplicaClient(t.Path), nil
	case SFTP:
		return sftpClients.get(t), nil
	case S3:
		c := lss3.NewReplicaClient()
		c.Bucket, c.Path, c.Region = t.Bucket, strings.Trim(t.Path, "/"), t.Region
		c.AccessKeyID, c.SecretAccessKey = t.AccessKey, t.SecretKey
		if c.Region == "" {
			c.Region = "us-east-1"
		}
		if t.Endpoint != "" {
			c.Endpoint, c.ForcePathStyle = t.Endpoint, true
		}
		return c, nil
	}
	return nil, errors.New("unknown kind of replica")
}

// Litestream's SFTP client keeps its connection open and has no Close: one
// client per server, account and folder serves the process's life, so
// that checking a replica or listing its restore points again and again
// (the admin's screen) opens no new connection each time.
var sftpClients = sftpClientCache{m: map[Target]*lssftp.ReplicaClient{}}

type sftpClientCache struct {
	mu sync.Mutex
	m  map[Target]*lssftp.ReplicaClient
}

func (c *sftpClientCache) get(t Target) *lssftp.ReplicaClient {
	c.mu.Lock()
	defer c.mu.Unlock()
	if client, ok := c.m[t]; ok {
		return client
	}
	client := lssftp.NewReplicaClient()
	client.Host, client.User, client.Password, client.Path = t.hostPort(), t.User, t.Password, t.Path
	client.HostKey, client.KeyPath = hostKeyLine(t.HostKey), t.KeyFile
	client.DialTimeout = 15 * time.Second
	c.m[t] = client
	return client
}

// ParseURL reads a replica named on the command line:
//
//	/media/usb/folio-replica  or  file:///media/usb/folio-replica
//	sftp://user[:password]@host[:port]/path?host-key=ssh-ed25519+AAAA...&key-file=/path/id_ed25519
//	s3://bucket/path?endpoint=https://s3.example.com&region=eu-west-1
//
// S3 keys come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, never the
// URL, which shells keep in their history.
func ParseURL(raw string) (Target, error) {
	if filepath.IsAbs(raw) {
		return Target{Kind: Folder, Path: filepath.Clean(raw)}, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Target{}, fmt.Errorf("%q is not a replica's address: %w", raw, err)
	}
	q := u.Query()
	switch u.Scheme {
	case "file":
		return Target{Kind: Folder, Path: filepath.Clean(u.Path)}, nil
	case "sftp":
		t := Target{Kind: SFTP, Host: u.Host, User: u.User.Username(), Path: u.Path,
			HostKey: q.Get("host-key"), KeyFile: q.Get("key-file")}
		t.Password, _ = u.User.Password()
		return t, nil
	case "s3":
		return Target{Kind: S3, Bucket: u.Host, Path: strings.TrimPrefix(u.Path, "/"), Endpoint: q.Get("endpoint"),
			Region: q.Get("region"), AccessKey: os.Getenv("AWS_ACCESS_KEY_ID"), SecretKey: os.Getenv("AWS_SECRET_ACCESS_KEY")}, nil
	}
	return Target{}, fmt.Errorf("%q is not a replica's address: give a folder's path, or an sftp:// or s3:// address", raw)
}
