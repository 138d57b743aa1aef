package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// credentials are the files one cluster needs: a CA, the API server's serving certificate,
// an admin client certificate, an admin bearer token and the service-account key pair.
type credentials struct {
	caCert, caData                       string // path and PEM bytes of the CA certificate
	servingCert, servingKey              string
	adminCert, adminKey                  string
	adminCertData, adminKeyData          []byte
	token, tokenFile                     string
	serviceAccountKey, serviceAccountPub string
}

func writePEM(path, kind string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600)
}

func newSerial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
}

// issue creates a key and a certificate signed by parent (self-signed when parent is nil).
func issue(tmpl *x509.Certificate, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("generating key: %w", err)
	}
	serial, err := newSerial()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("generating serial: %w", err)
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(7 * 24 * time.Hour)
	signer := parentKey
	if parent == nil {
		parent, signer = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("signing certificate %q: %w", tmpl.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, nil, err
	}
	return cert, key, der, nil
}

func writeKeyPair(dir, name string, der []byte, key *ecdsa.PrivateKey) (certPath, keyPath string, keyPEM []byte, err error) {
	certPath = filepath.Join(dir, name+".crt")
	keyPath = filepath.Join(dir, name+".key")
	if err = writePEM(certPath, "CERTIFICATE", der); err != nil {
		return
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return
	}
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	err = os.WriteFile(keyPath, keyPEM, 0o600)
	return
}

// loadCredentials reads the credentials an earlier run wrote into dir, so that a cluster
// restarted on the same directory (and port) keeps its CA, certificates and token: clients
// holding its kubeconfig reconnect as to a restarted API server. Any file missing: nil.
func loadCredentials(dir string) *credentials {
	c := &credentials{
		caCert:            filepath.Join(dir, "ca.crt"),
		servingCert:       filepath.Join(dir, "apiserver.crt"),
		servingKey:        filepath.Join(dir, "apiserver.key"),
		adminCert:         filepath.Join(dir, "admin.crt"),
		adminKey:          filepath.Join(dir, "admin.key"),
		tokenFile:         filepath.Join(dir, "tokens.csv"),
		serviceAccountKey: filepath.Join(dir, "sa.key"),
		serviceAccountPub: filepath.Join(dir, "sa.pub"),
	}
	for _, p := range []string{c.caCert, c.servingCert, c.servingKey, c.adminCert, c.adminKey, c.tokenFile, c.serviceAccountKey, c.serviceAccountPub} {
		if _, err := os.Stat(p); err != nil {
			return nil
		}
	}
	ca, err1 := os.ReadFile(c.caCert)
	adminCert, err2 := os.ReadFile(c.adminCert)
	adminKey, err3 := os.ReadFile(c.adminKey)
	tokens, err4 := os.ReadFile(c.tokenFile)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		return nil
	}
	token, _, found := strings.Cut(string(tokens), ",")
	if !found || token == "" {
		return nil
	}
	c.caData, c.adminCertData, c.adminKeyData, c.token = string(ca), adminCert, adminKey, token
	return c
}

// generateCredentials writes every credential of one cluster into dir, or reuses the ones an
// earlier run on dir wrote (a restart).
func generateCredentials(dir, name string) (*credentials, error) {
	if c := loadCredentials(dir); c != nil {
		return c, nil
	}
	c := &credentials{}
	ca, caKey, caDER, err := issue(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "vela-testcluster-ca-" + name},
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}, nil, nil)
	if err != nil {
		return nil, err
	}
	c.caCert = filepath.Join(dir, "ca.crt")
	if err := writePEM(c.caCert, "CERTIFICATE", caDER); err != nil {
		return nil, err
	}
	c.caData = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}))

	_, servingKey, servingDER, err := issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}, ca, caKey)
	if err != nil {
		return nil, err
	}
	if c.servingCert, c.servingKey, _, err = writeKeyPair(dir, "apiserver", servingDER, servingKey); err != nil {
		return nil, err
	}

	_, adminKey, adminDER, err := issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "vela-test-admin", Organization: []string{"system:masters"}},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, ca, caKey)
	if err != nil {
		return nil, err
	}
	if c.adminCert, c.adminKey, c.adminKeyData, err = writeKeyPair(dir, "admin", adminDER, adminKey); err != nil {
		return nil, err
	}
	c.adminCertData = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: adminDER})

	tokenBytes := make([]byte, 24)
	if _, err := rand.Read(tokenBytes); err != nil {
		return nil, err
	}
	c.token = hex.EncodeToString(tokenBytes)
	c.tokenFile = filepath.Join(dir, "tokens.csv")
	// Static token file: token,user,uid,"group,...". The controller manager authenticates with it.
	line := fmt.Sprintf("%s,vela-test-admin,vela-test-admin,\"system:masters\"\n", c.token)
	if err := os.WriteFile(c.tokenFile, []byte(line), 0o600); err != nil {
		return nil, err
	}

	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generating service-account key: %w", err)
	}
	c.serviceAccountKey = filepath.Join(dir, "sa.key")
	if err := writePEM(c.serviceAccountKey, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(saKey)); err != nil {
		return nil, err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return nil, err
	}
	c.serviceAccountPub = filepath.Join(dir, "sa.pub")
	if err := writePEM(c.serviceAccountPub, "PUBLIC KEY", pubDER); err != nil {
		return nil, err
	}
	return c, nil
}
