//! Static files never leave their root (no `..`, no symlink out of it), are streamed rather
//! than read whole, and a directory redirect is never scheme-relative.

mod common;

use common::*;
use sse_server::static_files::Mount;
use std::time::Duration;

#[tokio::test]
async fn traversal_and_symlinks_out_of_the_root_are_refused() {
    let root = temp_dir("root");
    let outside = temp_dir("outside");
    std::fs::write(outside.join("secret.txt"), "secret").expect("write");
    std::fs::create_dir_all(root.join("sub")).expect("mkdir");
    std::fs::write(root.join("sub/index.html"), "<p>sub</p>").expect("write");
    std::fs::write(root.join("inside.txt"), "inside").expect("write");
    let link = |target: &std::path::Path, name: &str| {
        std::os::unix::fs::symlink(target, root.join(name)).expect("symlink");
    };
    link(&outside.join("secret.txt"), "out.txt");
    link(&outside, "outdir");
    link(std::path::Path::new("/etc/hostname"), "hostname.txt");
    link(std::path::Path::new("inside.txt"), "alias.js");
    link(&root.join("sub"), "subalias");
    let mut c = config();
    c.mounts = vec![Mount::new("/", &root), Mount::new("/pkg", root.join("sub"))];
    let srv = start_with(c).await;
    let cases: [(&str, u16); 13] = [
        ("/out.txt", 403),
        ("/outdir/secret.txt", 403),
        ("/outdir/", 403),
        ("/hostname.txt", 403),
        ("/../outside/secret.txt", 400),
        ("/%2e%2e/secret.txt", 400),
        ("/sub/..%2f..%2fsecret.txt", 400),
        ("/pkg/../inside.txt", 400),
        ("/sub%5c..%5csecret.txt", 400),
        // Symlinks that stay inside the root are fine, typed by the name asked for.
        ("/alias.js", 200),
        ("/subalias/", 200),
        ("/inside.txt", 200),
        ("/missing.txt", 404),
    ];
    for (path, status) in cases {
        let mut r = get(srv.addr, path, &[]).await;
        assert_eq!(r.status, status, "{path}");
        let body = r.read_to_end().await;
        assert!(
            !String::from_utf8_lossy(&body).contains("secret"),
            "{path} leaked"
        );
        if path == "/alias.js" {
            assert_eq!(body, b"inside");
            assert_eq!(
                r.header("content-type"),
                Some("text/javascript; charset=utf-8")
            );
        }
    }
    srv.shutdown(Duration::from_secs(1)).await;
    let _ = std::fs::remove_dir_all(root);
    let _ = std::fs::remove_dir_all(outside);
}

#[tokio::test]
async fn directory_redirects_are_never_scheme_relative() {
    let root = temp_dir("redir");
    std::fs::create_dir_all(root.join("bench/deep")).expect("mkdir");
    std::fs::write(root.join("bench/index.html"), "b").expect("write");
    let mut c = config();
    c.mounts = vec![Mount::new("/", &root), Mount::new("/pkg", &root)];
    let srv = start_with(c).await;
    for (path, to) in [
        ("//bench", "/bench/"),
        ("///bench", "/bench/"),
        ("/bench", "/bench/"),
        ("/./bench//deep", "/bench/deep/"),
        ("/pkg//bench", "/pkg/bench/"),
    ] {
        let mut r = get(srv.addr, path, &[]).await;
        assert_eq!(r.status, 301, "{path}");
        assert_eq!(r.header("location"), Some(to), "{path}");
        r.read_to_end().await;
    }
    srv.shutdown(Duration::from_secs(1)).await;
    let _ = std::fs::remove_dir_all(root);
}

#[tokio::test]
async fn static_files_are_streamed_not_read_whole() {
    const MIB: usize = 1 << 20;
    const SIZE: usize = 16 * MIB;
    let root = temp_dir("big");
    let file = root.join("big.bin");
    std::fs::write(&file, vec![b'a'; SIZE]).expect("write");
    let mut c = config();
    c.mounts = vec![Mount::new("/", &root)];
    let srv = start_with(c).await;
    // A 64 KiB receive window: the server can be at most its send buffer (4 MiB at most
    // here) plus a slice or two ahead of this reader.
    let mut r = get_small_window(srv.addr, "/big.bin", 64 << 10).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length"), Some("16777216"));
    assert_eq!(r.header("transfer-encoding"), None);
    while r.body.len() < MIB {
        assert!(r.read_more().await, "the body goes on");
    }
    // Rewrite the second half while the response is under way: a server that had read
    // the file whole would still send `a`s there.
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&file)
            .expect("open");
        f.seek(SeekFrom::Start((SIZE / 2) as u64)).expect("seek");
        f.write_all(&vec![b'b'; SIZE / 2]).expect("rewrite");
    }
    let mut total = 0usize;
    let mut tail_b = 0usize;
    loop {
        let body = std::mem::take(&mut r.body);
        for (i, &c) in body.iter().enumerate() {
            if total + i >= SIZE - MIB {
                tail_b += usize::from(c == b'b');
            }
        }
        total += body.len();
        if !r.read_more().await {
            break;
        }
    }
    total += r.body.len();
    tail_b += r.body.iter().filter(|&&c| c == b'b').count();
    assert_eq!(total, SIZE);
    assert_eq!(tail_b, MIB, "the last MiB was read after the rewrite");
    srv.shutdown(Duration::from_secs(1)).await;
    let _ = std::fs::remove_dir_all(root);
}
