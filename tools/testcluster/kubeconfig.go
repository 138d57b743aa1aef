package main

import (
	"encoding/base64"
	"fmt"
	"os"
	"strings"
)

// kubeUser is the credential a kubeconfig carries: a client certificate or a bearer token.
type kubeUser struct {
	clientCert, clientKey []byte
	token                 string
}

// writeKubeconfig writes a self-contained kubeconfig (all data inline) for one cluster.
func writeKubeconfig(path, name, server, caPEM string, user kubeUser) error {
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	var userLines []string
	if user.token != "" {
		userLines = append(userLines, "    token: "+user.token)
	}
	if len(user.clientCert) > 0 {
		userLines = append(userLines,
			"    client-certificate-data: "+b64(user.clientCert),
			"    client-key-data: "+b64(user.clientKey))
	}
	content := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: %[1]s
  cluster:
    server: %[2]s
    certificate-authority-data: %[3]s
users:
- name: %[1]s-admin
  user:
%[4]s
contexts:
- name: %[1]s
  context:
    cluster: %[1]s
    user: %[1]s-admin
current-context: %[1]s
`, name, server, b64([]byte(caPEM)), strings.Join(userLines, "\n"))
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
