//! `encap TYPE ...` parsing, following ip/iproute_lwtunnel.c
//! (`lwt_parse_encap` and the `parse_encap_*` functions) word for word:
//! each type parser consumes the keywords it knows and stops at the first
//! word it does not, which the route parser then examines.

use crate::ast::*;
use crate::error::ParseError;
use crate::inet::{get_addr_v4, get_addr_v6};
use crate::names::{dsfield_a2n, table_a2n};
use crate::words::{Args, Result, get_u8, get_u16, get_u32, get_u64, invarg};

const ENCAP_TYPES_HINT: &str = "encap types lwt supports: seg6, seg6local, ip, ip6, mpls, xfrm";

/// Parse from the `encap` keyword (current word) on. Leaves the cursor on the
/// first word that does not belong to the encap.
pub fn parse_encap(args: &mut Args) -> Result<Encap> {
    let ty = args.value()?;
    // NEXT_ARG onto the first argument of the type.
    args.value()?;
    let known = [
        "mpls",
        "ip",
        "ip6",
        "ila",
        "bpf",
        "seg6",
        "seg6local",
        "rpl",
        "ioam6",
        "xfrm",
    ];
    if !known.contains(&ty.as_str()) {
        return Err(invarg("\"encap type\" value is invalid\n", &ty).with_hint(ENCAP_TYPES_HINT));
    }
    // iproute2: NEXT_ARG(); if (argc <= 1) missarg("encap type") -- the type
    // must be followed by at least two words.
    if args.remaining() <= 1 {
        return Err(ParseError::missarg("encap type").with_hint(format!(
            "complete the encap: e.g. `encap {ty} ...` followed by the route's `dev`"
        )));
    }
    match ty.as_str() {
        "seg6" => parse_seg6(args).map(Encap::Seg6),
        "seg6local" => parse_seg6local(args).map(Encap::Seg6Local),
        "mpls" => parse_mpls(args).map(Encap::Mpls),
        "ip" => parse_ip(args, false),
        "ip6" => parse_ip(args, true),
        "xfrm" => parse_xfrm(args).map(Encap::Xfrm),
        other => Err(
            ParseError::new(format!("encap type \"{other}\" is not supported by lwt"))
                .with_hint(ENCAP_TYPES_HINT),
        ),
    }
}

/// A comma-separated segment list (iproute2 `parse_srh`, each one `get_addr`
/// in AF_INET6).
pub fn parse_segs(list: &str) -> Result<Vec<std::net::Ipv6Addr>> {
    // strtok would skip empty items while still counting their commas (leaving
    // an all-zero segment); refuse them instead of building a surprising SRH.
    list.split(',').map(get_addr_v6).collect()
}

fn seg6_modes_hint() -> String {
    let names: Vec<&str> = Seg6Mode::ALL.iter().map(|m| m.name()).collect();
    format!("valid modes: {}", names.join(", "))
}

/// `encap seg6 mode MODE segs S1,... [hmac KEYID] [tunsrc ADDR]`
fn parse_seg6(args: &mut Args) -> Result<Seg6Encap> {
    let mut mode: Option<Seg6Mode> = None;
    let mut segs: Option<Vec<std::net::Ipv6Addr>> = None;
    let mut hmac: Option<u32> = None;
    let mut hmac_seen = false;
    let mut tunsrc: Option<std::net::Ipv6Addr> = None;
    while let Some(w) = args.peek() {
        match w {
            "mode" => {
                let v = args.value()?;
                if mode.is_some() {
                    return Err(ParseError::duparg2("mode", &v));
                }
                mode = Some(Seg6Mode::from_name(&v).ok_or_else(|| {
                    invarg("\"mode\" value is invalid\n", &v).with_hint(seg6_modes_hint())
                })?);
            }
            "segs" => {
                let v = args.value()?;
                if segs.is_some() {
                    return Err(ParseError::duparg2("segs", &v));
                }
                if mode.is_none() {
                    return Err(invarg("\"segs\" provided before \"mode\"\n", &v)
                        .with_hint("write `encap seg6 mode MODE segs S1,S2,...`"));
                }
                segs = Some(parse_segs(&v)?);
            }
            "hmac" => {
                let v = args.value()?;
                if hmac_seen {
                    return Err(ParseError::duparg2("hmac", &v));
                }
                hmac_seen = true;
                // iproute2 ignores a bad number here (and sends no HMAC); lwt
                // refuses it rather than silently dropping the HMAC.
                let k = get_u32(&v).ok_or_else(|| {
                    invarg("\"hmac\" value is invalid\n", &v)
                        .with_hint("the HMAC key id is a number (see `sr hmac set`)")
                })?;
                hmac = (k != 0).then_some(k);
            }
            "tunsrc" => {
                let v = args.value()?;
                if tunsrc.is_some() {
                    return Err(ParseError::duparg2("tunsrc", &v));
                }
                tunsrc = Some(get_addr_v6(&v)?);
            }
            _ => break,
        }
        args.advance();
    }
    let mode = mode.ok_or_else(|| ParseError::missarg("mode").with_hint(seg6_modes_hint()))?;
    let segs = segs.ok_or_else(|| {
        ParseError::missarg("segs").with_hint("write `encap seg6 mode MODE segs S1,S2,...`")
    })?;
    if tunsrc.is_some() && mode == Seg6Mode::Inline {
        return Err(
            invarg("\"tunsrc\" is not supported with inline mode\n", "tunsrc")
                .with_hint("inline mode keeps the packet's own source address; use an encap mode"),
        );
    }
    Ok(Seg6Encap {
        mode,
        segs,
        hmac,
        tunsrc,
    })
}

fn actions_hint() -> String {
    format!("valid actions: {}", SEG6_LOCAL_ACTIONS[1..].join(", "))
}

/// `parse_seg6local_flavors`: comma-separated names, case-insensitive, no
/// duplicates, not empty.
pub fn parse_flavor_list(s: &str) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    let mut mask = 0u32;
    // strtok: empty items between commas are skipped.
    for item in s.split(',').filter(|i| !i.is_empty()) {
        let bit = SEG6_FLAVOR_NAMES
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(item))
            .map(|(b, _)| *b)?;
        if mask & (1 << bit) != 0 {
            return None;
        }
        mask |= 1 << bit;
    }
    Some(mask)
}

/// `seg6local_parse_flavors`: the list, then — only if it contains
/// next-csid — an optional `lblen N` followed by an optional `nflen N`, in
/// that order. The numbers are `get_u8` (0..=255, C syntax): anything else is
/// for the kernel to judge.
fn parse_flavors(args: &mut Args) -> Result<Flavors> {
    let list = args.value()?;
    let ops = parse_flavor_list(&list).ok_or_else(|| {
        invarg("invalid \"flavors\" attribute\n", &list)
            .with_hint("flavors are psp, usp, usd, next-csid, comma-separated, each at most once")
    })?;
    let mut fl = Flavors {
        ops,
        lblen: None,
        nflen: None,
    };
    if ops & SEG6_LOCAL_FLV_OP_NEXT_CSID != 0 {
        if args.peek_at(1) == Some("lblen") {
            args.advance();
            let v = args.value()?;
            fl.lblen = Some(get_u8(&v).ok_or_else(|| {
                invarg("\"locator-block length\" value is invalid\n", &v)
                    .with_hint("lblen is a number of bits, e.g. 32")
            })?);
        }
        if args.peek_at(1) == Some("nflen") {
            args.advance();
            let v = args.value()?;
            fl.nflen = Some(get_u8(&v).ok_or_else(|| {
                invarg("\"locator-node function length\" value is invalid\n", &v)
                    .with_hint("nflen is a number of bits, e.g. 16")
            })?);
        }
    }
    Ok(fl)
}

/// `encap seg6local action NAME ...` (`parse_encap_seg6local`).
fn parse_seg6local(args: &mut Args) -> Result<Seg6LocalEncap> {
    let mut e = Seg6LocalEncap::default();
    // Each attribute at most once: a repeat is `duparg2(key, word after it)`.
    let mut seen: Vec<&'static str> = Vec::new();
    let mut dup = |key: &'static str, v: &str| -> Result<()> {
        if seen.contains(&key) {
            return Err(ParseError::duparg2(key, v));
        }
        seen.push(key);
        Ok(())
    };
    while let Some(w) = args.peek() {
        match w {
            "action" => {
                let v = args.value()?;
                dup("action", &v)?;
                if !SEG6_LOCAL_ACTIONS[1..].contains(&v.as_str()) {
                    return Err(
                        invarg("\"action\" value is invalid\n", &v).with_hint(actions_hint())
                    );
                }
                e.action = v;
            }
            "table" => {
                let v = args.value()?;
                dup("table", &v)?;
                e.table = Some(table_a2n(&v).ok_or_else(|| invarg("invalid table id\n", &v))?);
            }
            "vrftable" => {
                let v = args.value()?;
                dup("vrftable", &v)?;
                e.vrftable =
                    Some(table_a2n(&v).ok_or_else(|| invarg("invalid vrf table id\n", &v))?);
            }
            "nh4" => {
                let v = args.value()?;
                dup("nh4", &v)?;
                e.nh4 = Some(get_addr_v4(&v)?);
            }
            "nh6" => {
                let v = args.value()?;
                dup("nh6", &v)?;
                e.nh6 = Some(get_addr_v6(&v)?);
            }
            "iif" => {
                let v = args.value()?;
                dup("iif", &v)?;
                e.iif = Some(v);
            }
            "oif" => {
                let v = args.value()?;
                dup("oif", &v)?;
                e.oif = Some(v);
            }
            "count" => {
                dup("count", "count")?;
                e.count = true;
            }
            "flavors" => {
                dup("flavors", args.peek_at(1).unwrap_or(""))?;
                e.flavors = Some(parse_flavors(args)?);
            }
            "srh" => {
                let v = args.value()?;
                dup("srh", &v)?;
                if v != "segs" {
                    return Err(invarg("missing \"segs\" attribute for srh\n", &v)
                        .with_hint("write `srh segs S1,S2,... [hmac KEYID]`"));
                }
                let list = args.value()?;
                let segs = parse_segs(&list)?;
                let mut hmac = None;
                if args.peek_at(1) == Some("hmac") {
                    args.advance();
                    let v = args.value()?;
                    dup("hmac", &v)?;
                    let k = get_u32(&v).ok_or_else(|| invarg("\"hmac\" value is invalid\n", &v))?;
                    hmac = (k != 0).then_some(k);
                }
                e.srh = Some(SrhSpec { segs, hmac });
            }
            "endpoint" => {
                args.advance();
                dup("endpoint", args.peek().unwrap_or(""))?;
                e.bpf = Some(parse_bpf_prog(args)?);
            }
            _ => break,
        }
        args.advance();
    }
    if e.action.is_empty() {
        return Err(ParseError::new("Missing action type").with_hint(actions_hint()));
    }
    Ok(e)
}

/// `obj FILE [section|sec NAME] [verbose]` (bpf_parse_common, minimal).
fn parse_bpf_prog(args: &mut Args) -> Result<BpfProg> {
    if args.peek() != Some("obj") {
        return Err(
            ParseError::new("Failed to parse eBPF program: Invalid argument")
                .with_hint("write `endpoint obj FILE sec SECTION`"),
        );
    }
    let obj = args.value()?;
    let mut section = "lwt_seg6local".to_string();
    if matches!(args.peek_at(1), Some("section") | Some("sec")) {
        args.advance();
        section = args.value()?;
    }
    if args.peek_at(1) == Some("verbose") {
        args.advance();
    }
    Ok(BpfProg { obj, section })
}

/// `encap mpls LABEL[/LABEL...] [ttl TTL]`
fn parse_mpls(args: &mut Args) -> Result<MplsEncap> {
    let w = args.take().ok_or_else(ParseError::incomplete)?;
    // (take() already moved past the labels: iproute2's argc--; argv++.)
    let bad = || {
        ParseError::new(format!("an inet address is expected rather than \"{w}\"."))
            .with_hint("MPLS labels are numbers below 1048576 separated by '/', e.g. 100/200")
    };
    let mut labels = Vec::new();
    for part in w.split('/') {
        let l = crate::words::parse_c_unsigned(part, 0).ok_or_else(bad)?;
        if l >= 1 << 20 {
            return Err(bad());
        }
        labels.push(l as u32);
    }
    if labels.len() > 64 {
        return Err(ParseError::new("too many labels.").with_hint("at most 64 labels"));
    }
    let mut ttl = None;
    while args.peek() == Some("ttl") {
        let v = args.value()?;
        if ttl.is_some() {
            return Err(ParseError::duparg2("ttl", &v));
        }
        ttl = Some(get_u8(&v).ok_or_else(|| invarg("\"ttl\" value is invalid\n", &v))?);
        args.advance();
    }
    Ok(MplsEncap { labels, ttl })
}

fn parse_geneve_opts(s: &str) -> Option<Vec<GeneveOpt>> {
    let mut out = Vec::new();
    for opt in s.split(',') {
        let mut it = opt.split(':');
        let class = get_u16(it.next()?)?;
        let opt_type = get_u8(it.next()?)?;
        let hex = it.next().unwrap_or("");
        if it.next().is_some() || hex.len() % 2 != 0 {
            return None;
        }
        let mut data = Vec::new();
        for i in (0..hex.len()).step_by(2) {
            data.push(u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()?);
        }
        out.push(GeneveOpt {
            class,
            opt_type,
            data,
        });
    }
    Some(out)
}

fn parse_erspan_opts(s: &str) -> Option<TunOpts> {
    let f: Vec<&str> = s.split(':').collect();
    if f.len() != 4 {
        return None;
    }
    let num = |x: &str| if x.is_empty() { Some(0) } else { get_u32(x) };
    Some(TunOpts::Erspan {
        ver: u8::try_from(num(f[0])?).ok()?,
        index: num(f[1])?,
        dir: u8::try_from(num(f[2])?).ok()?,
        hwid: u8::try_from(num(f[3])?).ok()?,
    })
}

/// `encap ip ...` / `encap ip6 ...` (`parse_encap_ip`, `parse_encap_ip6`).
fn parse_ip(args: &mut Args, v6: bool) -> Result<Encap> {
    let mut id = None;
    let (mut dst4, mut src4, mut dst6, mut src6) = (None, None, None, None);
    let (mut tos, mut ttl) = (None, None);
    let mut flags = TunFlags::default();
    let mut opts: Option<TunOpts> = None;
    let (tos_kw, ttl_kw) = if v6 {
        ("tc", "hoplimit")
    } else {
        ("tos", "ttl")
    };
    let mut seen: Vec<String> = Vec::new();
    while let Some(w) = args.peek() {
        let w = w.to_string();
        let is_flag = matches!(w.as_str(), "key" | "csum" | "seq");
        let is_opt = matches!(w.as_str(), "geneve_opts" | "vxlan_opts" | "erspan_opts");
        if !(is_flag
            || is_opt
            || ["id", "dst", "src"].contains(&w.as_str())
            || w == tos_kw
            || w == ttl_kw)
        {
            break;
        }
        let key = if is_opt {
            "opts".to_string()
        } else {
            w.clone()
        };
        if is_flag {
            if seen.contains(&key) {
                return Err(ParseError::duparg2(&key, &w));
            }
            seen.push(key);
            match w.as_str() {
                "key" => flags.key = true,
                "csum" => flags.csum = true,
                _ => flags.seq = true,
            }
            args.advance();
            continue;
        }
        let v = args.value()?;
        if seen.contains(&key) {
            return Err(ParseError::duparg2(&key, &v));
        }
        seen.push(key);
        match w.as_str() {
            "id" => id = Some(get_u64(&v).ok_or_else(|| invarg("\"id\" value is invalid\n", &v))?),
            "dst" if v6 => dst6 = Some(get_addr_v6(&v)?),
            "dst" => dst4 = Some(get_addr_v4(&v)?),
            "src" if v6 => src6 = Some(get_addr_v6(&v)?),
            "src" => src4 = Some(get_addr_v4(&v)?),
            "geneve_opts" => {
                opts =
                    Some(TunOpts::Geneve(parse_geneve_opts(&v).ok_or_else(|| {
                        invarg("\"geneve_opts\" value is invalid\n", &v)
                    })?))
            }
            "vxlan_opts" => {
                opts = Some(TunOpts::Vxlan {
                    gbp: get_u32(&v)
                        .ok_or_else(|| invarg("\"vxlan_opts\" value is invalid\n", &v))?,
                })
            }
            "erspan_opts" => {
                opts = Some(
                    parse_erspan_opts(&v)
                        .ok_or_else(|| invarg("\"erspan_opts\" value is invalid\n", &v))?,
                )
            }
            k if k == tos_kw => {
                tos = Some(
                    dsfield_a2n(&v)
                        .ok_or_else(|| invarg(&format!("\"{tos_kw}\" value is invalid\n"), &v))?,
                )
            }
            _ => {
                ttl = Some(
                    get_u8(&v)
                        .ok_or_else(|| invarg(&format!("\"{ttl_kw}\" value is invalid\n"), &v))?,
                )
            }
        }
        args.advance();
    }
    Ok(if v6 {
        Encap::Ip6(Ip6TunEncap {
            id,
            dst: dst6,
            src: src6,
            tc: tos,
            hoplimit: ttl,
            flags,
            opts,
        })
    } else {
        Encap::Ip(IpTunEncap {
            id,
            dst: dst4,
            src: src4,
            tos,
            ttl,
            flags,
            opts,
        })
    })
}

/// `encap xfrm if_id IF_ID [link_dev DEV]` (`parse_encap_xfrm`). iproute2's
/// loop has no `break` and swallows every following word; lwt stops at the
/// first unknown word so that a trailing `dev X` keeps its meaning.
fn parse_xfrm(args: &mut Args) -> Result<XfrmEncap> {
    let usage = "Usage: ip route ... encap xfrm if_id IF_ID [ link_dev LINK ]";
    let mut if_id = None;
    let mut link_dev = None;
    while let Some(w) = args.peek() {
        match w {
            "if_id" => {
                let v = args.value()?;
                if if_id.is_some() {
                    return Err(ParseError::duparg2("if_id", &v));
                }
                if_id = Some(get_u32(&v).filter(|i| *i != 0).ok_or_else(|| {
                    invarg("\"if_id\" value is invalid\n", &v)
                        .with_hint("if_id is a non-zero 32-bit number")
                })?);
            }
            "link_dev" => {
                let v = args.value()?;
                if link_dev.is_some() {
                    return Err(ParseError::duparg2("link_dev", &v));
                }
                link_dev = Some(v);
            }
            _ => break,
        }
        args.advance();
    }
    let if_id = if_id.ok_or_else(|| ParseError::missarg("if_id").with_hint(usage))?;
    Ok(XfrmEncap { if_id, link_dev })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str) -> Result<(Encap, Vec<String>)> {
        let mut words: Vec<&str> = vec!["encap"];
        words.extend(s.split_whitespace());
        let mut a = Args::from_strs(&words);
        let e = parse_encap(&mut a)?;
        Ok((e, a.rest().to_vec()))
    }

    #[test]
    fn flavor_lists() {
        assert_eq!(parse_flavor_list("psp"), Some(1 << 1));
        assert_eq!(
            parse_flavor_list("NEXT-CSID,psp"),
            Some((1 << 4) | (1 << 1))
        );
        assert_eq!(parse_flavor_list("psp,psp"), None);
        assert_eq!(parse_flavor_list(""), None);
        assert_eq!(parse_flavor_list("foo"), None);
    }

    #[test]
    fn seg6_stops_at_dev() {
        let (e, rest) = enc("seg6 mode encap segs fc00::1,fc00::2 dev veth0").unwrap();
        assert_eq!(rest, ["dev", "veth0"]);
        match e {
            Encap::Seg6(s) => {
                assert_eq!(s.mode, Seg6Mode::Encap);
                assert_eq!(s.segs.len(), 2);
            }
            _ => panic!(),
        }
    }
}
