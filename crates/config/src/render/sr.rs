//! `ip sr tunsrc show` / `ip sr hmac show` (ip/ipseg6.c).

use super::json::Json;
use super::render_list;
use crate::ast::*;

/// `tunsrc addr ADDR\n` (JSON: `{"tunsrc":"ADDR"}`).
pub fn render_tunsrc(addr: &std::net::Ipv6Addr, opts: &Options) -> String {
    if opts.json {
        let mut o = Json::obj();
        o.set("tunsrc", addr.to_string());
        format!("{o}\n")
    } else {
        format!("tunsrc addr {addr}\n")
    }
}

/// `hmac KEYID algo ALGO secret "SECRET"` per key.
pub fn render_hmac_keys(keys: &[HmacEntry], opts: &Options) -> String {
    render_list(
        keys,
        opts,
        |k| {
            format!(
                "hmac {} algo {} secret \"{}\"\n",
                k.keyid,
                k.algo.name(),
                k.secret
            )
        },
        |k| {
            let mut o = Json::obj();
            o.set("hmac", k.keyid)
                .set("algo", k.algo.name())
                .set("secret", k.secret.as_str());
            o
        },
    )
}
