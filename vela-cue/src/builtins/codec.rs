//! `encoding/hex`, `crypto/sha256`, `crypto/sha512`, `crypto/sha1`, `crypto/md5`,
//! `crypto/hmac`, `crypto/ed25519`, `html.Escape`, `html.Unescape` and `uuid`.

use num_bigint::BigUint;

use super::R;
use super::args::{Args, int, s};
use super::digest::{hex, hmac, md5, sha1, sha224, sha256, sha512};
use crate::eval::Ctx;
use crate::export::bytes_val;
use crate::value::Val;

/// Supported functions.
pub(crate) const FUNCS: &[&str] = &[
    "hex.Decode",
    "hex.DecodedLen",
    "hex.Dump",
    "hex.Encode",
    "hex.EncodedLen",
    "sha256.Sum224",
    "sha256.Sum256",
    "sha512.Sum512",
    "sha512.Sum384",
    "sha512.Sum512_224",
    "sha512.Sum512_256",
    "sha1.Sum",
    "md5.Sum",
    "hmac.Sign",
    "html.Escape",
    "html.Unescape",
    "ed25519.Valid",
    "uuid.FromInt",
    "uuid.MD5",
    "uuid.Parse",
    "uuid.SHA1",
    "uuid.ToInt",
    "uuid.URN",
    "uuid.Valid",
    "uuid.Variant",
    "uuid.Version",
];

/// Constants (digest sizes).
pub(crate) const CONSTS: &[(&str, &str)] = &[
    ("sha256.Size", "32"),
    ("sha256.Size224", "28"),
    ("sha256.BlockSize", "64"),
    ("sha1.Size", "20"),
    ("sha1.BlockSize", "64"),
    ("md5.Size", "16"),
    ("md5.BlockSize", "64"),
    ("sha512.Size", "64"),
    ("sha512.Size224", "28"),
    ("sha512.Size256", "32"),
    ("sha512.Size384", "48"),
    ("sha512.BlockSize", "128"),
    ("ed25519.PublicKeySize", "32"),
    ("hmac.MD5", "\"MD5\""),
    ("hmac.SHA1", "\"SHA1\""),
    ("hmac.SHA224", "\"SHA224\""),
    ("hmac.SHA256", "\"SHA256\""),
    ("hmac.SHA384", "\"SHA384\""),
    ("hmac.SHA512", "\"SHA512\""),
    ("hmac.SHA512_224", "\"SHA512_224\""),
    ("hmac.SHA512_256", "\"SHA512_256\""),
];

/// The struct members of `uuid` (CUE source, as CUE's `uuid.cue`).
pub(crate) const STRUCTS: &[(&str, &str)] = &[
    (
        "uuid.ns",
        r#"{DNS: "6ba7b810-9dad-11d1-80b4-00c04fd430c8", URL: "6ba7b811-9dad-11d1-80b4-00c04fd430c8", OID: "6ba7b812-9dad-11d1-80b4-00c04fd430c8", X500: "6ba7b814-9dad-11d1-80b4-00c04fd430c8", Nil: "00000000-0000-0000-0000-000000000000"}"#,
    ),
    (
        "uuid.variants",
        "{Invalid: 0, RFC4122: 1, Reserved: 2, Microsoft: 3, Future: 4}",
    ),
];

/// Go's `hex.DecodeString`.
fn hex_decode(x: &str) -> Result<Vec<u8>, String> {
    let b = x.as_bytes();
    let val = |c: u8| -> Result<u8, String> {
        (c as char)
            .to_digit(16)
            .map(|d| d as u8)
            .ok_or_else(|| format!("encoding/hex: invalid byte: U+{:04X} {:?}", c, c as char))
    };
    let mut out = Vec::with_capacity(b.len() / 2);
    for pair in b.chunks(2) {
        if pair.len() == 1 {
            val(pair[0])?;
            return Err("encoding/hex: odd length hex string".into());
        }
        out.push(val(pair[0])? << 4 | val(pair[1])?);
    }
    Ok(out)
}

/// Go's `hex.Dump`: `hexdump -C` lines.
fn hex_dump(data: &[u8]) -> String {
    let mut out = String::new();
    for (n, line) in data.chunks(16).enumerate() {
        out.push_str(&format!("{:08x}  ", n * 16));
        for i in 0..16 {
            match line.get(i) {
                Some(b) => out.push_str(&format!("{b:02x} ")),
                None => out.push_str("   "),
            }
            if i == 7 {
                out.push(' ');
            }
        }
        out.push_str(" |");
        out.extend(
            line.iter()
                .map(|&b| if (32..=126).contains(&b) { b as char } else { '.' }),
        );
        out.push_str("|\n");
    }
    out
}

/// google/uuid's `Parse`: the 36-character form, `{...}`, `urn:uuid:...` or 32 hex digits.
fn uuid_parse(x: &str) -> Result<[u8; 16], String> {
    let hexs: String = match x.len() {
        36 => dashed(x)?,
        38 if x.starts_with('{') && x.ends_with('}') => dashed(&x[1..37])?,
        38 => return Err("invalid UUID format".into()),
        45 => {
            if !x[..9].eq_ignore_ascii_case("urn:uuid:") {
                return Err(format!("invalid urn prefix: {:?}", &x[..9]));
            }
            dashed(&x[9..])?
        }
        32 => x.to_string(),
        n => return Err(format!("invalid UUID length: {n}")),
    };
    let b = hex_decode(&hexs).map_err(|_| "invalid UUID format".to_string())?;
    b.try_into().map_err(|_| "invalid UUID format".to_string())
}

fn dashed(x: &str) -> Result<String, String> {
    let b = x.as_bytes();
    if b.len() != 36 || b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
        return Err("invalid UUID format".into());
    }
    Ok(x.replace('-', ""))
}

fn uuid_string(u: &[u8; 16]) -> String {
    let h = hex(u);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// Go's `ed25519.Verify` behind CUE's size check of the public key: a signature of another
/// length, a non-canonical scalar or a public key that is not a curve point is simply invalid.
fn ed25519_valid(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<bool, String> {
    use ed25519_dalek::{Signature, Verifier, VerifyingKey};
    let Ok(key) = <[u8; 32]>::try_from(public_key) else {
        return Err("ed25519: publicKey must be 32 bytes".into());
    };
    let Ok(sig) = <[u8; 64]>::try_from(signature) else {
        return Ok(false);
    };
    if sig[63] & 0xE0 != 0 {
        return Ok(false);
    }
    let Ok(key) = VerifyingKey::from_bytes(&key) else {
        return Ok(false);
    };
    Ok(key.verify(message, &Signature::from_bytes(&sig)).is_ok())
}

/// A name-based UUID (RFC 4122 versions 3 and 5).
fn name_based(space: &[u8; 16], data: &[u8], version: u8) -> String {
    let mut input = space.to_vec();
    input.extend_from_slice(data);
    let h = if version == 5 { sha1(&input) } else { md5(&input) };
    let mut u = [0u8; 16];
    u.copy_from_slice(&h[..16]);
    u[6] = (u[6] & 0x0f) | (version << 4);
    u[8] = (u[8] & 0x3f) | 0x80;
    uuid_string(&u)
}

pub(crate) fn call(ctx: &Ctx, name: &str, a: &[Val]) -> R {
    let a = Args::new(ctx, a);
    Ok(match name {
        "hex.Decode" => bytes_val(hex_decode(&a.str(0)?)?),
        "hex.DecodedLen" => int(a.int64(0)? / 2),
        "hex.Dump" => s(hex_dump(&a.bytes(0)?)),
        "hex.Encode" => s(hex(&a.bytes(0)?)),
        "hex.EncodedLen" => int(a.int64(0)?.saturating_mul(2)),
        "sha256.Sum256" => bytes_val(sha256(&a.bytes(0)?)),
        "sha256.Sum224" => bytes_val(sha224(&a.bytes(0)?)),
        "sha1.Sum" => bytes_val(sha1(&a.bytes(0)?)),
        "md5.Sum" => bytes_val(md5(&a.bytes(0)?)),
        "sha512.Sum512" => bytes_val(sha512(&a.bytes(0)?, 512)),
        "sha512.Sum384" => bytes_val(sha512(&a.bytes(0)?, 384)),
        "sha512.Sum512_224" => bytes_val(sha512(&a.bytes(0)?, 224)),
        "sha512.Sum512_256" => bytes_val(sha512(&a.bytes(0)?, 256)),
        "hmac.Sign" => {
            let (key, data) = (a.bytes(1)?, a.bytes(2)?);
            let s512 = |bits: usize| move |d: &[u8]| sha512(d, bits);
            let mac = match &*a.str(0)? {
                "MD5" => hmac(&md5, 64, &key, &data),
                "SHA1" => hmac(&sha1, 64, &key, &data),
                "SHA224" => hmac(&sha224, 64, &key, &data),
                "SHA256" => hmac(&sha256, 64, &key, &data),
                "SHA384" => hmac(&s512(384), 128, &key, &data),
                "SHA512" => hmac(&s512(512), 128, &key, &data),
                "SHA512_224" => hmac(&s512(224), 128, &key, &data),
                "SHA512_256" => hmac(&s512(256), 128, &key, &data),
                _ => return Err("unsupported hash function".into()),
            };
            bytes_val(mac)
        }
        "html.Escape" => s(a
            .str(0)?
            .replace('&', "&amp;")
            .replace('\'', "&#39;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&#34;")),
        "html.Unescape" => s(super::html::unescape(&a.str(0)?)),
        "ed25519.Valid" => Val::Bool(ed25519_valid(&a.bytes(0)?, &a.bytes(1)?, &a.bytes(2)?)?),
        "uuid.Valid" => {
            uuid_parse(&a.str(0)?)?;
            Val::Bool(true)
        }
        "uuid.Parse" => s(uuid_string(&uuid_parse(&a.str(0)?)?)),
        "uuid.URN" => s(format!("urn:uuid:{}", uuid_string(&uuid_parse(&a.str(0)?)?))),
        "uuid.FromInt" => {
            let n = a.num(0)?;
            let what = ctx.describe(a.val(0)?);
            let i = n
                .to_bigint()
                .filter(|_| n.int)
                .ok_or_else(|| format!("cannot use {what} as int"))?;
            let b = i.magnitude().to_bytes_be();
            let b = if i.magnitude() == &BigUint::default() {
                Vec::new()
            } else {
                b
            };
            if b.len() > 16 {
                return Err(format!("invalid UUID (got {} bytes)", b.len()));
            }
            let mut u = [0u8; 16];
            u[16 - b.len()..].copy_from_slice(&b);
            s(uuid_string(&u))
        }
        // (CUE v0.14.1 reads the bytes of the text, not of the parsed UUID)
        "uuid.ToInt" => Val::num(crate::num::Num::from_bigint(
            &BigUint::from_bytes_be(a.str(0)?.as_bytes()).into(),
        )),
        "uuid.Variant" => {
            let u = uuid_parse(&a.str(0)?)?;
            int(match u[8] {
                b if b & 0xc0 == 0x80 => 1,
                b if b & 0xe0 == 0xc0 => 3,
                b if b & 0xe0 == 0xe0 => 4,
                _ => 2,
            })
        }
        "uuid.Version" => int(uuid_parse(&a.str(0)?)?[6] >> 4),
        "uuid.SHA1" | "uuid.MD5" => {
            let space = uuid_parse(&a.str(0)?)?;
            s(name_based(
                &space,
                &a.bytes(1)?,
                if name == "uuid.SHA1" { 5 } else { 3 },
            ))
        }
        _ => return Err(format!("unknown function {name}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_uuid_follow_go() {
        assert_eq!(hex_decode("4a4B").unwrap(), b"JK");
        assert_eq!(
            hex_decode("abc").unwrap_err(),
            "encoding/hex: odd length hex string"
        );
        assert_eq!(
            hex_dump(b"hi"),
            format!("00000000  68 69 {}|hi|\n", " ".repeat(44))
        );
        let dns = uuid_parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8").unwrap();
        assert_eq!(
            name_based(&dns, b"python.org", 3),
            "6fa459ea-ee8a-3ca4-894e-db77e160355e"
        );
        assert_eq!(
            name_based(&dns, b"python.org", 5),
            "886313e1-3b8a-5372-9b90-0c9aee199e5d"
        );
    }
}
