//! `lwt run`: the offline runner. Every port or tap link is a pcap endpoint: frames of
//! the input files are processed in timestamp order and what each link transmits is
//! written to `DIR/LINK.pcap`. With `--trace`, the tunnel metadata VXLAN devices
//! receive and send with is printed per frame.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lwt_config::LinkKind;
use lwt_core::stats::Stats;
use lwt_core::{DropReason, PacketBuf, Router, Verdict, Worker};
use lwt_io::pcap::{self, PcapSink};

use crate::{Failure, fail, load};

fn is_endpoint(router: &Router, ifindex: u32) -> bool {
    matches!(
        router.links.get(&ifindex).and_then(|l| l.kind.as_ref()),
        Some(LinkKind::Port { .. } | LinkKind::Tap)
    )
}

/// Runs the configuration over the input captures and returns the summary text.
pub fn run(
    config: &Path,
    inputs: &[(String, PathBuf)],
    out: &Path,
    trace: bool,
) -> Result<String, Failure> {
    let loaded = load::load(config)?;
    let router = loaded.router;
    let dp = router.dataplane();

    // Frames of every input, merged by timestamp (stable: file order breaks ties).
    let mut frames = Vec::new();
    for (name, file) in inputs {
        let link = router.link_by_name(name).ok_or_else(|| {
            fail(format!(
                "lwt: --in {name}={}: there is no link \"{name}\" in {}\nhint: add `link add {name} type port` to the configuration",
                file.display(),
                config.display()
            ))
        })?;
        if !is_endpoint(&router, link.ifindex) {
            return Err(fail(format!(
                "lwt: --in {name}: link \"{name}\" is a {} link; only port and tap links receive frames",
                link.kind_name()
            )));
        }
        let ifindex = link.ifindex;
        let got = pcap::read_frames(file).map_err(|e| fail(format!("lwt: {e}")))?;
        frames.extend(got.into_iter().map(|f| (f.ts, ifindex, f.data)));
    }
    frames.sort_by_key(|(ts, _, _)| *ts);

    std::fs::create_dir_all(out)
        .map_err(|e| fail(format!("lwt: cannot create {}: {e}", out.display())))?;
    let mut sinks: BTreeMap<u32, PcapSink> = BTreeMap::new();
    for l in router
        .links
        .values()
        .filter(|l| is_endpoint(&router, l.ifindex))
    {
        let path = out.join(format!("{}.pcap", l.name));
        let sink = PcapSink::create(&path).map_err(|e| fail(format!("lwt: {e}")))?;
        sinks.insert(l.ifindex, sink);
    }

    let mut worker = Worker::new();
    if trace {
        worker.trace = Some(Vec::new());
    }
    // One frame at a time (each at its own timestamp), through the batched path.
    let mut pkt = [PacketBuf::new()];
    let mut verdict = [Verdict::Consumed];
    let mut next_tick = 0;
    let mut traced = String::new();
    for (n, (ts, iif, data)) in frames.iter().enumerate() {
        worker.now_ms = ts.as_millis() as u64;
        if !pkt[0].load(data, *iif) {
            worker.stats.drop(DropReason::FrameTooLarge);
            continue;
        }
        if worker.now_ms >= next_tick {
            worker.tick(&dp);
            next_tick = worker.now_ms + 100;
        }
        lwt_core::process_batch(&dp, &mut worker, &mut pkt, &mut verdict);
        if let Verdict::Tx(oif) = verdict[0]
            && let Some(sink) = sinks.get_mut(&oif)
        {
            sink.write(*ts, pkt[0].data())
                .map_err(|e| fail(format!("lwt: {e}")))?;
        }
        // Packets released by neighbour resolution leave right after what released them.
        let mut err = None;
        worker.drain_outbox(|oif, frame| {
            if let Some(sink) = sinks.get_mut(&oif)
                && let Err(e) = sink.write(*ts, frame)
            {
                err = Some(e);
            }
        });
        if let Some(e) = err {
            return Err(fail(format!("lwt: {e}")));
        }
        if let Some(lines) = worker.trace.as_mut() {
            for l in lines.drain(..) {
                traced.push_str(&format!("frame {}: {l}\n", n + 1));
            }
        }
    }
    for (_, sink) in sinks {
        sink.finish().map_err(|e| fail(format!("lwt: {e}")))?;
    }
    Ok(traced + &summary(&router, &worker.stats, frames.len(), out))
}

/// The run summary: what `lwt stats` shows, after the number of frames processed.
fn summary(router: &Router, s: &Stats, frames: usize, out: &Path) -> String {
    format!(
        "processed {frames} frames; output in {}\n{}",
        out.display(),
        lwt_core::show::stats_report(router, s, false)
    )
}
