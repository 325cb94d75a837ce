//! What the benchmarks share: LSP framing over the real binary's stdio, and percentiles.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

pub fn send(stdin: &mut impl Write, message: &Value) {
    let body = serde_json::to_vec(message).unwrap();
    write!(stdin, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
    stdin.write_all(&body).unwrap();
    stdin.flush().unwrap();
}

pub fn reader(stdout: impl Read + Send + 'static) -> mpsc::Receiver<(Instant, Value)> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        loop {
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(value) = line.strip_prefix("Content-Length: ") {
                    length = value.parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            let message: Value = serde_json::from_slice(&body).unwrap();
            if sender.send((Instant::now(), message)).is_err() {
                return;
            }
        }
    });
    receiver
}

pub fn wait_for(
    receiver: &mpsc::Receiver<(Instant, Value)>,
    accept: impl Fn(&Value) -> bool,
) -> (Instant, Value) {
    loop {
        let (when, message) = receiver
            .recv_timeout(Duration::from_secs(60))
            .expect("the server answers");
        if accept(&message) {
            return (when, message);
        }
    }
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}
