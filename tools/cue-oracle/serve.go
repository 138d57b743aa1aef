package main

import (
	"bufio"
	"encoding/json"
	"io"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
)

// Request is one line of the `serve` protocol.
type Request struct {
	ID      json.RawMessage `json:"id"`
	Program string          `json:"program"`
	Expr    string          `json:"expr,omitempty"`
}

// Response is one answer line: exactly one of OK and Error is set.
type Response struct {
	ID    json.RawMessage `json:"id"`
	OK    json.RawMessage `json:"ok,omitempty"`
	Error *ServeError     `json:"error,omitempty"`
}

// ServeError classifies a failure: compile (syntax error or unresolved reference), conflict
// (the value is bottom even without requiring concreteness), incomplete (valid but not
// concrete), other (export failed otherwise).
type ServeError struct {
	Class   string `json:"class"`
	Message string `json:"message"`
}

// EvalProgram evaluates one program like `cue export` (optionally only the path expr).
func EvalProgram(ctx *cue.Context, program, expr string) (json.RawMessage, *ServeError) {
	if _, err := parser.ParseFile("program.cue", program); err != nil {
		return nil, &ServeError{"compile", err.Error()}
	}
	v := ctx.CompileString(program)
	if err := v.Err(); err != nil {
		// CompileString evaluates eagerly: a conflict surfaces here too. Only unresolved
		// references (and syntax, above) are compile errors.
		if strings.Contains(err.Error(), "reference") && strings.Contains(err.Error(), "not found") {
			return nil, &ServeError{"compile", err.Error()}
		}
		return nil, &ServeError{"conflict", err.Error()}
	}
	if expr != "" {
		v = v.LookupPath(cue.ParsePath(expr))
		if !v.Exists() {
			return nil, &ServeError{"incomplete", "path " + expr + " not found"}
		}
	}
	if err := v.Validate(); err != nil {
		return nil, &ServeError{"conflict", err.Error()}
	}
	if err := v.Validate(cue.Concrete(true)); err != nil {
		return nil, &ServeError{"incomplete", err.Error()}
	}
	b, err := v.MarshalJSON()
	if err != nil {
		return nil, &ServeError{"other", err.Error()}
	}
	return b, nil
}

// Serve answers requests until EOF. Each program gets a fresh cue.Context, so answers do
// not depend on earlier requests.
func Serve(in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		var req Request
		var resp Response
		if err := json.Unmarshal(line, &req); err != nil {
			resp.Error = &ServeError{"request", err.Error()}
		} else {
			resp.ID = req.ID
			resp.OK, resp.Error = EvalProgram(cuecontext.New(), req.Program, req.Expr)
		}
		if err := enc.Encode(&resp); err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	return sc.Err()
}
