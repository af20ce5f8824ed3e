//! `ip sr ...` (ip/ipseg6.c `do_seg6`).

use crate::ast::*;
use crate::error::ParseError;
use crate::inet::get_addr_v6;
use crate::words::{Args, Result, get_u32, invarg, matches};

const SR_USAGE: &str = "Usage: ip sr { COMMAND | help } | ip sr hmac show | ip sr hmac set KEYID ALGO SECRET | ip sr tunsrc show | ip sr tunsrc set ADDRESS (ALGO := { sha1 | sha256 })";

pub fn parse_sr(args: &mut Args, _opts: &Options) -> Result<SrCmd> {
    let Some(what) = args.take() else {
        return Err(ParseError::new(SR_USAGE));
    };
    if matches(&what, "help") {
        return Err(ParseError::new(SR_USAGE));
    }
    if matches(&what, "hmac") {
        let sub = args.take().ok_or_else(ParseError::incomplete)?;
        if matches(&sub, "show") {
            Ok(SrCmd::HmacShow)
        } else if matches(&sub, "set") {
            let k = args.take().ok_or_else(ParseError::incomplete)?;
            let keyid = get_u32(&k).filter(|k| *k != 0).ok_or_else(|| {
                invarg("hmac KEYID value is invalid", &k)
                    .with_hint("KEYID is a non-zero 32-bit number")
            })?;
            let a = args.take().ok_or_else(ParseError::incomplete)?;
            let algo = match a.as_str() {
                "sha1" => HmacAlgo::Sha1,
                "sha256" => HmacAlgo::Sha256,
                _ => {
                    return Err(invarg("hmac ALGO value is invalid", &a)
                        .with_hint("ALGO is sha1 or sha256"));
                }
            };
            // iproute2 reads the secret with getpass(); lwt takes it as a word.
            let secret = args.take().unwrap_or_default();
            if let Some(extra) = args.peek() {
                return Err(ParseError::new(format!(
                    "unexpected \"{extra}\" after the HMAC secret"
                ))
                .with_hint("quote a secret that contains spaces"));
            }
            Ok(SrCmd::HmacSet {
                keyid,
                algo,
                secret,
            })
        } else {
            Err(invarg("unknown", &sub)
                .with_hint("`sr hmac show` or `sr hmac set KEYID ALGO SECRET`"))
        }
    } else if matches(&what, "tunsrc") {
        let sub = args.take().ok_or_else(ParseError::incomplete)?;
        if matches(&sub, "show") {
            Ok(SrCmd::TunsrcShow)
        } else if matches(&sub, "set") {
            let a = args.take().ok_or_else(ParseError::incomplete)?;
            Ok(SrCmd::TunsrcSet(get_addr_v6(&a)?))
        } else {
            Err(invarg("unknown", &sub).with_hint("`sr tunsrc show` or `sr tunsrc set ADDRESS`"))
        }
    } else {
        Err(invarg("unknown", &what).with_hint("`sr hmac ...` or `sr tunsrc ...`"))
    }
}
