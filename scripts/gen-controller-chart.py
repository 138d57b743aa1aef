#!/usr/bin/env python3
"""Regenerates charts/vela-controller/templates/controller.yaml from the objects `vela install
--controller` applies (vela_engine::controller_install::objects), so that the chart and the CLI
install the same thing; vela-engine/tests/it/chart.rs fails when they differ.

    vela() { cargo run -q -p vela-cli --bin vela -- "$@"; }
    vela install --controller --dry-run -o yaml > /tmp/plain.yaml
    vela install --controller --authentication-with-user --dry-run -o yaml > /tmp/users.yaml
    scripts/gen-controller-chart.py /tmp/plain.yaml /tmp/users.yaml \\
        > charts/vela-controller/templates/controller.yaml

What the second output adds to the first (the admission webhook, its Secret, the impersonation
of users) becomes `{{- if .Values.authenticationWithUser }}` blocks; its certificates are made by
Helm (genCA, genSignedCert) at the first install and kept from the installed Secret (lookup)
afterwards.
"""
import difflib
import re
import sys

FLAG = "{{- if .Values.authenticationWithUser }}"


def body_of(src):
    start = src.index("apiVersion: v1\nkind: ServiceAccount")
    body = src[start:].rstrip() + "\n"
    for old, new in [
        ("namespace: vela-system", "namespace: {{ .Release.Namespace }}"),
        ("--leader-election-namespace=vela-system", "--leader-election-namespace={{ .Release.Namespace }}"),
        ("--system-definition-namespace=vela-system", "--system-definition-namespace={{ .Release.Namespace }}"),
        ("app.kubernetes.io/instance: vela-controller", "app.kubernetes.io/instance: {{ .Release.Name }}"),
        ("name: vela-controller-leader", "name: {{ .Release.Name }}-leader"),
        ("name: vela-controller-webhook-tls", "name: {{ .Release.Name }}-webhook-tls"),
        ("secretName: vela-controller-webhook-tls", "secretName: {{ .Release.Name }}-webhook-tls"),
        ("--leader-election-id=vela-controller", "--leader-election-id={{ .Release.Name }}"),
        ("serviceAccountName: vela-controller", "serviceAccountName: {{ .Release.Name }}"),
        ("  replicas: 1\n", "  replicas: {{ .Values.replicas }}\n"),
    ]:
        body = body.replace(old, new)
    body = re.sub(r"(\n\s*(?:- )?)name: vela-controller\n", r"\1name: {{ .Release.Name }}\n", body)
    body = re.sub(
        r"image: ghcr.io/vela-rs/vela-controller:\S+",
        'image: {{ .Values.image | default (printf "ghcr.io/vela-rs/vela-controller:%s" .Chart.AppVersion) }}',
        body,
    )
    # the certificates: made by Helm
    body = re.sub(r"(\n\s*ca\.crt:) \S+", r"\1 {{ $caCrt }}", body)
    body = re.sub(r"(\n\s*tls\.crt:) \S+", r"\1 {{ $tlsCrt }}", body)
    body = re.sub(r"(\n\s*tls\.key:) \S+", r"\1 {{ $tlsKey }}", body)
    body = re.sub(r"(\n\s*caBundle:) \S+", r"\1 {{ $caCrt }}", body)
    return body


plain = body_of(open(sys.argv[1]).read()).splitlines(keepends=True)
users = body_of(open(sys.argv[2]).read()).splitlines(keepends=True)
out = []
for op, a0, a1, b0, b1 in difflib.SequenceMatcher(None, plain, users, autojunk=False).get_opcodes():
    if op == "equal":
        out.extend(plain[a0:a1])
    elif op == "insert":
        out.append(FLAG + "\n")
        out.extend(users[b0:b1])
        out.append("{{- end }}\n")
    else:
        sys.exit(f"--authentication-with-user changes, not only adds, lines {a0 + 1}-{a1}: {plain[a0:a1]}")
body = "".join(out)
# the user's extra arguments come last (after the webhook's, as in `vela install`)
at = body.index("        - --metrics-addr=0.0.0.0:8080\n") + len("        - --metrics-addr=0.0.0.0:8080\n")
if body.startswith(FLAG, at):
    at = body.index("{{- end }}\n", at) + len("{{- end }}\n")
body = body[:at] + "        {{- range .Values.extraArgs }}\n        - {{ . | quote }}\n        {{- end }}\n" + body[at:]
binding = body.index("---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding")
body = body[:binding] + "{{- with .Values.extraRules }}\n{{ toYaml . }}\n{{- end }}\n" + body[binding:]
# the certificates (base64): those of the installed Secret (so that an upgrade does not swap the
# CA under a running pod), else new ones
certs = (
    '{{- $caCrt := "" }}\n'
    '{{- $tlsCrt := "" }}\n'
    '{{- $tlsKey := "" }}\n'
    + FLAG + "\n"
    '{{- $old := lookup "v1" "Secret" .Release.Namespace (printf "%s-webhook-tls" .Release.Name) }}\n'
    '{{- $data := dig "data" (dict) $old }}\n'
    '{{- if and (hasKey $data "ca.crt") (hasKey $data "tls.crt") (hasKey $data "tls.key") }}\n'
    '{{- $caCrt = index $data "ca.crt" }}\n'
    '{{- $tlsCrt = index $data "tls.crt" }}\n'
    '{{- $tlsKey = index $data "tls.key" }}\n'
    "{{- else }}\n"
    '{{- $ca := genCA "vela-controller webhook CA" 3650 }}\n'
    "{{- $names := list (printf \"%s.%s.svc\" .Release.Name .Release.Namespace) "
    "(printf \"%s.%s.svc.cluster.local\" .Release.Name .Release.Namespace) "
    "(printf \"%s.%s\" .Release.Name .Release.Namespace) .Release.Name }}\n"
    "{{- $cert := genSignedCert (first $names) nil $names 3650 $ca }}\n"
    "{{- $caCrt = $ca.Cert | b64enc }}\n"
    "{{- $tlsCrt = $cert.Cert | b64enc }}\n"
    "{{- $tlsKey = $cert.Key | b64enc }}\n"
    "{{- end }}\n"
    "{{- end }}\n"
)
sys.stdout.write(
    "# vela-controller with least-privilege RBAC. Generated by scripts/gen-controller-chart.py from\n"
    "# `vela install --controller [--authentication-with-user] --dry-run -o yaml`;\n"
    "# vela-engine/tests/it/chart.rs checks that this template renders exactly those objects.\n"
    + certs
    + body
)
