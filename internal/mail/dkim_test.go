package mail

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
)

func TestDKIMSignatureVerifies(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	edPub, edKey, _ := ed25519.GenerateKey(rand.Reader)
	dir := t.TempDir()
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(edKey)
	keys := map[string]struct {
		pemType string
		der     []byte
		record  string
	}{
		"rsa": {"RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey), "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(x509.MarshalPKCS1PublicKey(&rsaKey.PublicKey))},
		"ed":  {"PRIVATE KEY", pkcs8, "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(edPub)},
	}
	for name, k := range keys {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name+".pem")
			os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: k.pemType, Bytes: k.der}), 0o600)
			signer, err := LoadDKIM("feedwatch.test", "fw"+name, path)
			if err != nil {
				t.Fatal(err)
			}
			raw, _, err := Build(Message{From: "feedwatch <digest@feedwatch.test>", To: "reader@example.org", Subject: "US–Russia relations: 3 new items",
				Text: "text", HTML: "<p>html</p>", Date: time.Now(), ListID: "US–Russia <us-russia.feedwatch.test>",
				UnsubscribeURL: "https://feedwatch.test/unsubscribe?token=x", DKIM: signer})
			if err != nil {
				t.Fatal(err)
			}
			lookup := func(domain string) ([]string, error) {
				if domain != "fw"+name+"._domainkey.feedwatch.test" {
					t.Errorf("lookup of %q", domain)
				}
				return []string{k.record}, nil
			}
			verifs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: lookup})
			if err != nil || len(verifs) != 1 || verifs[0].Err != nil || verifs[0].Domain != "feedwatch.test" {
				t.Fatalf("verify: %v %+v", err, verifs)
			}
			// A changed subject no longer verifies.
			tampered := bytes.Replace(raw, []byte("Subject:"), []byte("Subject: FREE MONEY"), 1)
			verifs, _ = dkim.VerifyWithOptions(bytes.NewReader(tampered), &dkim.VerifyOptions{LookupTXT: lookup})
			if len(verifs) != 1 || verifs[0].Err == nil {
				t.Errorf("tampered message verified: %+v", verifs)
			}
		})
	}
	if _, err := LoadDKIM("feedwatch.test", "s", filepath.Join(dir, "missing.pem")); err == nil {
		t.Error("a missing key file was accepted")
	}
}
