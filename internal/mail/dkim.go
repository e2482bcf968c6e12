package mail

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"

	"github.com/emersion/go-msgauth/dkim"
)

// DKIM signs outgoing messages for a domain (RFC 6376), so that receivers
// can tell that the sending domain vouches for them even when the relay
// does not sign.
type DKIM struct {
	Domain   string
	Selector string
	Signer   crypto.Signer
}

// signedHeaders are the fields a receiver's verdict should rest on; a relay
// adding Received or Return-Path lines does not break the signature.
var signedHeaders = []string{"From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
	"List-Id", "List-Unsubscribe", "List-Unsubscribe-Post"}

// LoadDKIM reads a PEM private key (RSA in PKCS#1 or PKCS#8, or Ed25519 in
// PKCS#8) from keyFile.
func LoadDKIM(domain, selector, keyFile string) (*DKIM, error) {
	if domain == "" || selector == "" || keyFile == "" {
		return nil, fmt.Errorf("dkim: domain, selector and key_file are all needed")
	}
	data, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("dkim: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("dkim: %s holds no PEM block", keyFile)
	}
	var key any
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("dkim: %s: %w", keyFile, err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 1024 {
			return nil, fmt.Errorf("dkim: %s: an RSA key of %d bits is too short (receivers want 1024 or more)", keyFile, k.N.BitLen())
		}
		return &DKIM{Domain: domain, Selector: selector, Signer: k}, nil
	case ed25519.PrivateKey:
		return &DKIM{Domain: domain, Selector: selector, Signer: k}, nil
	}
	return nil, fmt.Errorf("dkim: %s: key type %T is not RSA or Ed25519", keyFile, key)
}

// Sign returns raw with a DKIM-Signature header added in front.
func (k *DKIM) Sign(raw []byte) ([]byte, error) {
	var out bytes.Buffer
	err := dkim.Sign(&out, bytes.NewReader(raw), &dkim.SignOptions{
		Domain: k.Domain, Selector: k.Selector, Signer: k.Signer, Hash: crypto.SHA256,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             signedHeaders,
	})
	if err != nil {
		return nil, fmt.Errorf("dkim sign: %w", err)
	}
	return out.Bytes(), nil
}
