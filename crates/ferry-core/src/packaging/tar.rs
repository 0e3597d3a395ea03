//! tar (ustar headers, pax records where ustar cannot hold a name, link or size) and a parallel
//! gzip writer built on the chunked deflate pipeline.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use flate2::Crc;

use super::PackError;
use super::pipeline::{self, CHUNK, Done, Job, Mode, Ordered};
use super::select::{Entry, Kind};

const BLOCK: usize = 512;
/// Largest size an 11-digit octal field holds.
const MAX_OCTAL_SIZE: u64 = 0o777_7777_7777;

/// Write `entries` as a tar stream into `out`, every time set to `mtime` unless it is `None`.
pub(crate) fn write<W: Write>(mut out: W, entries: &[Entry], mtime: Option<i64>) -> Result<W, PackError> {
    let io_err = |err| PackError::io("writing", Path::new("the package"), err);
    for entry in entries {
        let time = mtime.unwrap_or(entry.mtime).max(0) as u64;
        match &entry.kind {
            Kind::Dir => {
                let header = Header {
                    name: format!("{}/", entry.name),
                    kind: b'5',
                    mode: entry.mode,
                    size: 0,
                    mtime: time,
                    link: "",
                };
                header.write(&mut out).map_err(io_err)?;
            }
            Kind::Symlink { target } => {
                let header = Header {
                    name: entry.name.clone(),
                    kind: b'2',
                    mode: entry.mode,
                    size: 0,
                    mtime: time,
                    link: target,
                };
                header.write(&mut out).map_err(io_err)?;
            }
            Kind::File { path, len } => {
                let read_err = |err| PackError::io("reading", path, err);
                let file = File::open(path).map_err(read_err)?;
                let header = Header {
                    name: entry.name.clone(),
                    kind: b'0',
                    mode: entry.mode,
                    size: *len,
                    mtime: time,
                    link: "",
                };
                header.write(&mut out).map_err(io_err)?;
                let mut limited = file.take(*len);
                let copied = copy(&mut limited, &mut out).map_err(|err| match err {
                    CopyError::Read(err) => read_err(err),
                    CopyError::Write(err) => io_err(err),
                })?;
                let mut probe = [0u8; 1];
                if copied != *len || limited.into_inner().read(&mut probe).map_err(read_err)? != 0 {
                    return Err(PackError::FileChanged { path: path.clone() });
                }
                out.write_all(&[0; BLOCK][..padding(*len)]).map_err(io_err)?;
            }
        }
    }
    out.write_all(&[0; 2 * BLOCK]).map_err(io_err)?;
    Ok(out)
}

enum CopyError {
    Read(io::Error),
    Write(io::Error),
}

fn copy(reader: &mut impl Read, writer: &mut impl Write) -> Result<u64, CopyError> {
    let mut buffer = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    loop {
        let count = match reader.read(&mut buffer) {
            Ok(0) => return Ok(total),
            Ok(count) => count,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(CopyError::Read(err)),
        };
        writer.write_all(&buffer[..count]).map_err(CopyError::Write)?;
        total += count as u64;
    }
}

fn padding(len: u64) -> usize {
    (BLOCK - (len % BLOCK as u64) as usize) % BLOCK
}

struct Header<'a> {
    name: String,
    kind: u8,
    mode: u32,
    size: u64,
    mtime: u64,
    link: &'a str,
}

/// Write `value` as zero-padded octal filling `field` but its last byte (NUL).
fn octal(field: &mut [u8], value: u64) {
    let digits = field.len() - 1;
    let text = format!("{value:0digits$o}");
    field[..digits].copy_from_slice(&text.as_bytes()[text.len() - digits..]);
    field[digits] = 0;
}

/// Split a name into ustar's prefix (155) and name (100) fields, if it fits.
fn split_ustar(name: &str) -> Option<(&str, &str)> {
    if name.len() <= 100 {
        return Some(("", name));
    }
    let bytes = name.as_bytes();
    // The last `/` that leaves at most 155 bytes before and 100 after.
    (0..bytes.len()).rev().filter(|&at| bytes[at] == b'/').find_map(|at| {
        let (prefix, rest) = (&name[..at], &name[at + 1..]);
        (prefix.len() <= 155 && !rest.is_empty() && rest.len() <= 100).then_some((prefix, rest))
    })
}

impl Header<'_> {
    fn write(&self, out: &mut impl Write) -> io::Result<()> {
        let mut pax = Vec::new();
        let split = split_ustar(&self.name);
        if split.is_none() {
            pax_record(&mut pax, "path", &self.name);
        }
        if self.link.len() > 100 {
            pax_record(&mut pax, "linkpath", self.link);
        }
        if self.size > MAX_OCTAL_SIZE {
            pax_record(&mut pax, "size", &self.size.to_string());
        }
        if !pax.is_empty() {
            let short: String =
                self.name.chars().rev().take(80).collect::<Vec<_>>().into_iter().rev().collect();
            let pax_name = format!("PaxHeaders/{}", short.trim_start_matches('/'));
            let pax_header = Header {
                name: pax_name,
                kind: b'x',
                mode: 0o644,
                size: pax.len() as u64,
                mtime: self.mtime,
                link: "",
            };
            pax_header.write(out)?;
            out.write_all(&pax)?;
            out.write_all(&[0; BLOCK][..padding(pax.len() as u64)])?;
        }
        let mut block = [0u8; BLOCK];
        let (prefix, name) = split.unwrap_or(("", truncate(&self.name, 100)));
        block[..name.len()].copy_from_slice(name.as_bytes());
        octal(&mut block[100..108], u64::from(self.mode));
        octal(&mut block[108..116], 0);
        octal(&mut block[116..124], 0);
        octal(&mut block[124..136], self.size.min(MAX_OCTAL_SIZE));
        octal(&mut block[136..148], self.mtime.min(MAX_OCTAL_SIZE));
        block[156] = self.kind;
        let link = truncate(self.link, 100);
        block[157..157 + link.len()].copy_from_slice(link.as_bytes());
        block[257..263].copy_from_slice(b"ustar\0");
        block[263..265].copy_from_slice(b"00");
        octal(&mut block[329..337], 0);
        octal(&mut block[337..345], 0);
        block[345..345 + prefix.len()].copy_from_slice(prefix.as_bytes());
        block[148..156].fill(b' ');
        let sum: u32 = block.iter().map(|&b| u32::from(b)).sum();
        let text = format!("{sum:06o}\0 ");
        block[148..156].copy_from_slice(text.as_bytes());
        out.write_all(&block)
    }
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Append a pax record `"<len> key=value\n"` (the length counts itself).
fn pax_record(out: &mut Vec<u8>, key: &str, value: &str) {
    let body = key.len() + value.len() + 3; // space, `=`, newline
    let mut len = body + 1;
    while len != body + len.to_string().len() {
        len = body + len.to_string().len();
    }
    out.extend(format!("{len} {key}={value}\n").as_bytes());
}

/// A gzip writer that compresses 1 MiB chunks on all cores (see `pipeline`) and writes them in
/// order. The header has no name and mtime 0, so the output depends on the content only.
pub(crate) struct ParallelGzip<W: Write> {
    inner: W,
    level: u32,
    buffer: Vec<u8>,
    dictionary: Vec<u8>,
    crc: Crc,
    pipeline: Ordered<()>,
}

impl<W: Write> ParallelGzip<W> {
    /// Start a gzip stream on `inner`.
    pub(crate) fn new(mut inner: W, level: u32) -> io::Result<Self> {
        inner.write_all(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff])?;
        Ok(ParallelGzip {
            inner,
            level,
            buffer: Vec::with_capacity(CHUNK),
            dictionary: Vec::new(),
            crc: Crc::new(),
            pipeline: Ordered::new()?,
        })
    }

    fn submit(&mut self, last: bool) -> io::Result<()> {
        let data = std::mem::replace(&mut self.buffer, Vec::with_capacity(if last { 0 } else { CHUNK }));
        let dictionary =
            std::mem::replace(&mut self.dictionary, if last { Vec::new() } else { pipeline::tail(&data) });
        let job = Job { data, dictionary, last, level: self.level, mode: Mode::DeflateAdaptive };
        let ParallelGzip { inner, crc, pipeline, .. } = self;
        pipeline.submit((), job, &mut |(), done: Done| write_piece(inner, crc, done))
    }

    /// Compress what is left, write the trailer and return the inner writer.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        self.submit(true)?;
        let ParallelGzip { mut inner, mut crc, mut pipeline, .. } = self;
        pipeline.drain(&mut |(), done: Done| write_piece(&mut inner, &mut crc, done))?;
        inner.write_all(&crc.sum().to_le_bytes())?;
        inner.write_all(&crc.amount().to_le_bytes())?;
        inner.flush()?;
        Ok(inner)
    }
}

fn write_piece(inner: &mut impl Write, crc: &mut Crc, done: Done) -> io::Result<()> {
    crc.combine(&done.crc);
    inner.write_all(done.deflated.as_deref().unwrap_or_default())
}

impl<W: Write> Write for ParallelGzip<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = CHUNK - self.buffer.len();
        let taken = room.min(data.len());
        self.buffer.extend_from_slice(&data[..taken]);
        if self.buffer.len() == CHUNK {
            self.submit(false)?;
        }
        Ok(taken)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pax_lengths_count_themselves() {
        for value_len in [1, 90, 91, 92, 95, 96, 97, 990, 995, 996, 997] {
            let mut out = Vec::new();
            pax_record(&mut out, "path", &"a".repeat(value_len));
            let text = String::from_utf8(out.clone()).unwrap();
            let declared: usize = text.split(' ').next().unwrap().parse().unwrap();
            assert_eq!(declared, out.len(), "{text:?}");
        }
    }

    #[test]
    fn ustar_split() {
        assert_eq!(split_ustar("a/b"), Some(("", "a/b")));
        let long = format!("{}/{}", "d".repeat(120), "f".repeat(90));
        assert_eq!(split_ustar(&long), Some((&long[..120], &long[121..])));
        assert_eq!(split_ustar(&"x".repeat(101)), None);
    }

    #[test]
    fn gzip_round_trip_across_chunks() {
        let data: Vec<u8> = (0..(2 * CHUNK + 777)).map(|i| (i % 251) as u8 ^ (i / 7000) as u8).collect();
        let mut gz = ParallelGzip::new(Vec::new(), 6).unwrap();
        for piece in data.chunks(100_000) {
            gz.write_all(piece).unwrap();
        }
        let bytes = gz.finish().unwrap();
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
    }
}
