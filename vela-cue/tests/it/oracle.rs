//! Shared by the differential tests: a tiny deterministic PRNG and a client of the CUE v0.14.1
//! reference oracle (`tools/cue-oracle serve`, path in `VELA_CUE_ORACLE`).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::Value as Json;

/// Tiny deterministic PRNG (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// One of `xs`.
    pub fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

/// A running `cue-oracle serve`: one JSON request per line, one JSON answer per line.
pub struct Oracle {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Oracle {
    /// Start the oracle named by `VELA_CUE_ORACLE` (panics with a hint when it is unset).
    pub fn start() -> Self {
        let path =
            std::env::var("VELA_CUE_ORACLE").expect("VELA_CUE_ORACLE must point to the cue-oracle binary");
        let mut child = Command::new(&path)
            .arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start oracle");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Oracle { child, stdin, stdout }
    }

    /// Send one request (`{"id", "program", "expr"?}`) and read its answer.
    pub fn ask(&mut self, req: &Json) -> Json {
        serde_json::from_str(&self.ask_line(req)).expect("oracle answer is JSON")
    }

    /// Send one request and return the answer line as the oracle wrote it (number digits kept).
    pub fn ask_line(&mut self, req: &Json) -> String {
        let stdin = self.stdin.as_mut().expect("oracle stdin");
        writeln!(stdin, "{req}").expect("write request");
        stdin.flush().expect("flush");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read answer");
        line
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}
