package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"cuelang.org/go/cue/cuecontext"
)

// StdlibCase is one program of the standard-library table (conformance/cue-stdlib/cases.txt).
type StdlibCase struct {
	Name    string
	Program string
}

// ReadStdlibCases splits a case file: a line `-- name --` starts a case, the lines up to the
// next such line are its CUE program. Names must be unique.
func ReadStdlibCases(path string) ([]StdlibCase, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cases []StdlibCase
	seen := map[string]bool{}
	var body []string
	flush := func() {
		if len(cases) > 0 {
			cases[len(cases)-1].Program = strings.Join(body, "\n")
		}
		body = nil
	}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(line, " --") && len(line) > 6 {
			flush()
			name := strings.TrimSpace(line[3 : len(line)-3])
			if seen[name] {
				return nil, fmt.Errorf("%s: case %q given twice", path, name)
			}
			seen[name] = true
			cases = append(cases, StdlibCase{Name: name})
			continue
		}
		if len(cases) == 0 {
			continue // header comments
		}
		body = append(body, line)
	}
	flush()
	return cases, sc.Err()
}

// StdlibGolden is one line of the goldens file: the case name and CUE's answer (as `serve`).
type StdlibGolden struct {
	Name  string          `json:"name"`
	OK    json.RawMessage `json:"ok,omitempty"`
	Error *ServeError     `json:"error,omitempty"`
}

// RunStdlib evaluates every case with CUE v0.14.1 and writes one JSON line per case to out.
func RunStdlib(casesPath, out string) error {
	cases, err := ReadStdlibCases(casesPath)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	for _, c := range cases {
		g := StdlibGolden{Name: c.Name}
		g.OK, g.Error = evalRecovering(c.Program)
		if g.Error == nil && !json.Valid(g.OK) {
			// CUE printed a number JSON has no syntax for (an infinity): not a result
			g.OK, g.Error = nil, &ServeError{"other", "invalid JSON output: " + string(g.OK)}
		}
		// one line per case, `ok` last and as CUE wrote it (no HTML escaping)
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(&g); err != nil {
			return err
		}
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

// evalRecovering is EvalProgram, with a panic inside CUE recorded as an error of class "panic".
func evalRecovering(program string) (ok json.RawMessage, serr *ServeError) {
	defer func() {
		if r := recover(); r != nil {
			ok, serr = nil, &ServeError{"panic", fmt.Sprint(r)}
		}
	}()
	return EvalProgram(cuecontext.New(), program, "")
}
