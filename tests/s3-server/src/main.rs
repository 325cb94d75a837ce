//! The S3-compatible server of lore's object-store tests: `s3s-fs` serving a folder on
//! 127.0.0.1, with its conditional writes made atomic.
//!
//! `s3s-fs` checks `If-None-Match` / `If-Match` and then writes, in two steps, so two
//! conditional puts of one key can both succeed. AWS S3 (and MinIO, R2, …) decide such puts
//! atomically, and LanceDB's commits rely on it: the manifest of a new table version is put
//! with `If-None-Match: *`. This server holds one lock around every conditional write, so the
//! check and the write are one step, and the tests measure lore against the guarantee a real
//! object store gives. Everything else is plain `s3s-fs`: real HTTP, signatures, files.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Method, Request};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use tokio::net::TcpListener;
use tokio::sync::Mutex;

/// The same command line as `s3s-fs`'s own binary.
#[derive(Debug, Parser)]
struct Options {
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    #[arg(long)]
    port: u16,
    #[arg(long)]
    access_key: String,
    #[arg(long)]
    secret_key: String,
    /// The folder served: each bucket is a folder in it.
    root: PathBuf,
}

/// A put (or a multipart upload's completion) that is conditional on what the key holds now.
fn is_conditional_write(request: &Request<Incoming>) -> bool {
    matches!(*request.method(), Method::PUT | Method::POST)
        && (request.headers().contains_key(hyper::header::IF_NONE_MATCH)
            || request.headers().contains_key(hyper::header::IF_MATCH))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = Options::parse();
    let files = s3s_fs::FileSystem::new(&options.root)
        .map_err(|error| format!("cannot serve {}: {error:?}", options.root.display()))?;
    let mut builder = S3ServiceBuilder::new(files);
    builder.set_auth(SimpleAuth::from_single(
        options.access_key.as_str(),
        options.secret_key.as_str(),
    ));
    let s3 = builder.build();
    let conditional_writes = Arc::new(Mutex::new(()));
    let listener = TcpListener::bind((options.host.as_str(), options.port)).await?;
    let connections = ConnBuilder::new(TokioExecutor::new());
    loop {
        let (socket, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(_) => continue,
            },
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        let s3 = s3.clone();
        let conditional_writes = conditional_writes.clone();
        let service = service_fn(move |request: Request<Incoming>| {
            let s3 = s3.clone();
            let conditional_writes = conditional_writes.clone();
            async move {
                let _one_at_a_time = if is_conditional_write(&request) {
                    Some(conditional_writes.lock_owned().await)
                } else {
                    None
                };
                hyper::service::Service::call(&s3, request).await
            }
        });
        let connection = connections
            .serve_connection(TokioIo::new(socket), service)
            .into_owned();
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
}
