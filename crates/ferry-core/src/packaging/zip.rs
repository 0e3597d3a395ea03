//! The zip container, written directly (APPNOTE 6.3): local headers, central directory, zip64
//! where an entry or the archive needs it, Unix modes in the external attributes, UTF-8 names.
//!
//! Written here rather than through the `zip` crate because entries are compressed as
//! independent 1 MiB deflate pieces on all cores (see `pipeline`) and streamed, which needs raw
//! control over the entry data; the bytes follow the same layout Info-ZIP and `zip` produce.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use flate2::Crc;

use super::PackError;
use super::pipeline::{self, CHUNK, Done, Job, Mode, Ordered};

const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const EOCD_SIG: u32 = 0x0605_4b50;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const STORED: u16 = 0;
const DEFLATED: u16 = 8;
const MAX32: u64 = 0xFFFF_FFFF;
/// Entries at least this large get zip64 local headers (deflate can grow data a little).
const ZIP64_ENTRY: u64 = 0xF000_0000;
/// "Version made by": Unix, spec 2.0 / 4.5.
const MADE_BY: u16 = 3 << 8;

/// Extensions of formats that are compressed already: stored without trying deflate.
const STORED_EXTENSIONS: &[&str] = &[
    "7z", "aar", "apk", "avif", "br", "bz2", "cab", "deb", "docx", "dmg", "ear", "epub", "flac", "gif", "gz",
    "heic", "ipa", "jar", "jpeg", "jpg", "lz", "lz4", "lzma", "m4a", "m4v", "mkv", "mov", "mp3", "mp4",
    "msi", "nupkg", "odp", "ods", "odt", "oga", "ogg", "ogv", "opus", "png", "pptx", "rar", "rpm", "tbz2",
    "tgz", "war", "webm", "webp", "whl", "woff", "woff2", "xlsx", "xz", "zip", "zst",
];

/// Whether a name's extension says the content is compressed already.
pub(crate) fn stored_by_extension(name: &str) -> bool {
    let file = name.rsplit('/').next().unwrap_or(name);
    file.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && STORED_EXTENSIONS.iter().any(|known| known.eq_ignore_ascii_case(ext))
    })
}

/// DOS date and time (UTC) of a Unix timestamp, clamped to 1980-01-01..2107-12-31.
pub(crate) fn dos_time(unix: i64) -> (u16, u16) {
    let clamped = unix.clamp(315_532_800, 4_354_819_198);
    let Ok(time) = jiff::Timestamp::from_second(clamped) else { return (0, 0x21) };
    let civil = time.to_zoned(jiff::tz::TimeZone::UTC);
    let date = ((civil.year() as u16 - 1980) << 9) | ((civil.month() as u16) << 5) | civil.day() as u16;
    let clock = ((civil.hour() as u16) << 11) | ((civil.minute() as u16) << 5) | (civil.second() as u16 / 2);
    (date, clock)
}

/// Where an item's bytes come from.
#[derive(Debug)]
pub(crate) enum Source {
    /// A file on disk of the given size.
    File(PathBuf, u64),
    /// Bytes made by Ferry (nupkg metadata).
    Memory(Vec<u8>),
    /// A directory entry.
    Dir,
}

/// One zip entry to write.
#[derive(Debug)]
pub(crate) struct Item {
    /// Archive name (without the trailing `/` of directories).
    pub name: String,
    /// Content.
    pub source: Source,
    /// Permission bits.
    pub mode: u32,
    /// Modification time (Unix seconds).
    pub mtime: i64,
}

struct Record {
    name: Vec<u8>,
    method: u16,
    date: u16,
    time: u16,
    crc: u32,
    compressed: u64,
    uncompressed: u64,
    offset: u64,
    external: u32,
    zip64_local: bool,
}

impl Record {
    fn flags(&self) -> u16 {
        if self.name.is_ascii() { 0 } else { 1 << 11 }
    }
}

/// Low-level zip writer over a seekable output.
struct Writer<W: Write + Seek> {
    out: W,
    position: u64,
    records: Vec<Record>,
}

impl<W: Write + Seek> Writer<W> {
    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.position += bytes.len() as u64;
        Ok(())
    }

    /// Write a local header for `record` (sizes may be placeholders) and remember the record.
    fn begin(&mut self, mut record: Record) -> io::Result<()> {
        record.offset = self.position;
        let mut header = Vec::with_capacity(30 + record.name.len() + 20);
        header.extend(LOCAL_SIG.to_le_bytes());
        header.extend((if record.zip64_local { 45u16 } else { 20u16 }).to_le_bytes());
        header.extend(record.flags().to_le_bytes());
        header.extend(record.method.to_le_bytes());
        header.extend(record.time.to_le_bytes());
        header.extend(record.date.to_le_bytes());
        header.extend(record.crc.to_le_bytes());
        if record.zip64_local {
            header.extend(u32::MAX.to_le_bytes());
            header.extend(u32::MAX.to_le_bytes());
        } else {
            header.extend((record.compressed as u32).to_le_bytes());
            header.extend((record.uncompressed as u32).to_le_bytes());
        }
        header.extend((record.name.len() as u16).to_le_bytes());
        header.extend((if record.zip64_local { 20u16 } else { 0u16 }).to_le_bytes());
        header.extend(&record.name);
        if record.zip64_local {
            header.extend(1u16.to_le_bytes());
            header.extend(16u16.to_le_bytes());
            header.extend(record.uncompressed.to_le_bytes());
            header.extend(record.compressed.to_le_bytes());
        }
        self.put(&header)?;
        self.records.push(record);
        Ok(())
    }

    /// Fill in the CRC and sizes of the last entry after streaming its data.
    fn patch_last(&mut self, crc: u32, compressed: u64, uncompressed: u64) -> io::Result<()> {
        let record = self.records.last_mut().expect("an entry was begun");
        if !record.zip64_local && (compressed >= MAX32 || uncompressed >= MAX32) {
            return Err(io::Error::other(format!(
                "entry {} grew past 4 GiB while being written",
                String::from_utf8_lossy(&record.name)
            )));
        }
        record.crc = crc;
        record.compressed = compressed;
        record.uncompressed = uncompressed;
        let mut fields = Vec::with_capacity(12);
        fields.extend(crc.to_le_bytes());
        if record.zip64_local {
            fields.extend(u32::MAX.to_le_bytes());
            fields.extend(u32::MAX.to_le_bytes());
        } else {
            fields.extend((compressed as u32).to_le_bytes());
            fields.extend((uncompressed as u32).to_le_bytes());
        }
        self.out.seek(SeekFrom::Start(record.offset + 14))?;
        self.out.write_all(&fields)?;
        if record.zip64_local {
            self.out.seek(SeekFrom::Start(record.offset + 30 + record.name.len() as u64 + 4))?;
            self.out.write_all(&uncompressed.to_le_bytes())?;
            self.out.write_all(&compressed.to_le_bytes())?;
        }
        self.out.seek(SeekFrom::Start(self.position))?;
        Ok(())
    }

    /// Write the central directory and end records.
    fn finish(mut self) -> io::Result<W> {
        let central_start = self.position;
        let records = std::mem::take(&mut self.records);
        for record in &records {
            let mut extra = Vec::new();
            let big_sizes = record.zip64_local || record.uncompressed >= MAX32 || record.compressed >= MAX32;
            if big_sizes {
                extra.extend(record.uncompressed.to_le_bytes());
                extra.extend(record.compressed.to_le_bytes());
            }
            let big_offset = record.offset >= MAX32;
            if big_offset {
                extra.extend(record.offset.to_le_bytes());
            }
            let zip64 = !extra.is_empty();
            let mut header = Vec::with_capacity(46 + record.name.len() + 28);
            header.extend(CENTRAL_SIG.to_le_bytes());
            let version: u16 = if zip64 { 45 } else { 20 };
            header.extend((MADE_BY | version).to_le_bytes());
            header.extend(version.to_le_bytes());
            header.extend(record.flags().to_le_bytes());
            header.extend(record.method.to_le_bytes());
            header.extend(record.time.to_le_bytes());
            header.extend(record.date.to_le_bytes());
            header.extend(record.crc.to_le_bytes());
            let size32 = |value: u64| if big_sizes { u32::MAX } else { value as u32 };
            header.extend(size32(record.compressed).to_le_bytes());
            header.extend(size32(record.uncompressed).to_le_bytes());
            header.extend((record.name.len() as u16).to_le_bytes());
            header.extend((if zip64 { extra.len() as u16 + 4 } else { 0 }).to_le_bytes());
            header.extend(0u16.to_le_bytes()); // comment length
            header.extend(0u16.to_le_bytes()); // disk number
            header.extend(0u16.to_le_bytes()); // internal attributes
            header.extend(record.external.to_le_bytes());
            header.extend((if big_offset { u32::MAX } else { record.offset as u32 }).to_le_bytes());
            header.extend(&record.name);
            if zip64 {
                header.extend(1u16.to_le_bytes());
                header.extend((extra.len() as u16).to_le_bytes());
                header.extend(&extra);
            }
            self.put(&header)?;
        }
        let central_size = self.position - central_start;
        let count = records.len() as u64;
        let needs_zip64 = count >= 0xFFFF || central_start >= MAX32 || central_size >= MAX32;
        let mut tail = Vec::with_capacity(98);
        if needs_zip64 {
            let zip64_eocd = self.position;
            tail.extend(ZIP64_EOCD_SIG.to_le_bytes());
            tail.extend(44u64.to_le_bytes());
            tail.extend((MADE_BY | 45).to_le_bytes());
            tail.extend(45u16.to_le_bytes());
            tail.extend(0u32.to_le_bytes());
            tail.extend(0u32.to_le_bytes());
            tail.extend(count.to_le_bytes());
            tail.extend(count.to_le_bytes());
            tail.extend(central_size.to_le_bytes());
            tail.extend(central_start.to_le_bytes());
            tail.extend(ZIP64_LOCATOR_SIG.to_le_bytes());
            tail.extend(0u32.to_le_bytes());
            tail.extend(zip64_eocd.to_le_bytes());
            tail.extend(1u32.to_le_bytes());
        }
        tail.extend(EOCD_SIG.to_le_bytes());
        tail.extend(0u16.to_le_bytes());
        tail.extend(0u16.to_le_bytes());
        let count16 = count.min(0xFFFF) as u16;
        tail.extend(count16.to_le_bytes());
        tail.extend(count16.to_le_bytes());
        tail.extend((central_size.min(MAX32) as u32).to_le_bytes());
        tail.extend((central_start.min(MAX32) as u32).to_le_bytes());
        tail.extend(0u16.to_le_bytes());
        self.put(&tail)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// What a queued chunk belongs to.
struct Tag {
    item: usize,
    first: bool,
    last: bool,
}

/// State of the entry being streamed.
struct Streaming {
    crc: Crc,
    compressed: u64,
    uncompressed: u64,
}

/// Write `items` (in the given order) as a zip archive to `out`. `mtime` overrides every entry's
/// time unless it is `None`. Returns the output.
pub(crate) fn write<W: Write + Seek>(
    out: W,
    items: &[Item],
    level: u32,
    mtime: Option<i64>,
) -> Result<W, PackError> {
    let mut writer = Writer { out, position: 0, records: Vec::with_capacity(items.len()) };
    let mut streaming = Streaming { crc: Crc::new(), compressed: 0, uncompressed: 0 };
    let mut pipeline = Ordered::new()?;
    let mut sink = |tag: Tag, done: Done| -> Result<(), PackError> {
        let item = &items[tag.item];
        let (date, time) = dos_time(mtime.unwrap_or(item.mtime));
        let file_type = if matches!(item.source, Source::Dir) { 0o040_000 } else { 0o100_000 };
        let mut record = Record {
            name: item.name.clone().into_bytes(),
            method: STORED,
            date,
            time,
            crc: done.crc.sum(),
            compressed: 0,
            uncompressed: done.raw.len() as u64,
            offset: 0,
            external: ((file_type | item.mode) << 16) | u32::from(matches!(item.source, Source::Dir)) << 4,
            zip64_local: false,
        };
        let io_err = |err| PackError::io("writing", Path::new("the package"), err);
        if matches!(item.source, Source::Dir) {
            record.name.push(b'/');
            return writer.begin(record).map_err(io_err);
        }
        if tag.first && tag.last {
            // A whole entry: everything is known before its header.
            let data = match done.deflated {
                Some(deflated) if deflated.len() < done.raw.len() => {
                    record.method = DEFLATED;
                    deflated
                }
                _ => done.raw,
            };
            record.compressed = data.len() as u64;
            writer.begin(record).map_err(io_err)?;
            return writer.put(&data).map_err(io_err);
        }
        // One piece of a large entry: header first with placeholders, patched at the end.
        if tag.first {
            let Source::File(_, len) = &item.source else { unreachable!("only files are chunked") };
            record.method = if done.deflated.is_some() { DEFLATED } else { STORED };
            record.zip64_local = *len >= ZIP64_ENTRY;
            record.crc = 0;
            record.uncompressed = 0;
            writer.begin(record).map_err(io_err)?;
            streaming = Streaming { crc: Crc::new(), compressed: 0, uncompressed: 0 };
        }
        streaming.crc.combine(&done.crc);
        let data = done.deflated.as_deref().unwrap_or(&done.raw);
        streaming.compressed += data.len() as u64;
        streaming.uncompressed += done.raw.len() as u64;
        writer.put(data).map_err(io_err)?;
        if tag.last {
            writer
                .patch_last(streaming.crc.sum(), streaming.compressed, streaming.uncompressed)
                .map_err(io_err)?;
        }
        Ok(())
    };
    for (index, item) in items.iter().enumerate() {
        let whole = |data: Vec<u8>, mode: Mode| Job { data, dictionary: Vec::new(), last: true, level, mode };
        let small_mode =
            if level == 0 || stored_by_extension(&item.name) { Mode::Store } else { Mode::DeflateOrStore };
        let tag = Tag { item: index, first: true, last: true };
        match &item.source {
            Source::Dir => pipeline.submit(tag, whole(Vec::new(), Mode::Store), &mut sink)?,
            Source::Memory(bytes) => pipeline.submit(tag, whole(bytes.clone(), small_mode), &mut sink)?,
            Source::File(path, len) => {
                let read_err = |err| PackError::io("reading", path, err);
                let mut file = File::open(path).map_err(read_err)?;
                let mut current = read_chunk(&mut file).map_err(read_err)?;
                let mut next = if current.len() == CHUNK {
                    read_chunk(&mut file).map_err(read_err)?
                } else {
                    Vec::new()
                };
                if next.is_empty() {
                    if current.len() as u64 != *len {
                        return Err(PackError::FileChanged { path: path.clone() });
                    }
                    pipeline.submit(tag, whole(current, small_mode), &mut sink)?;
                    continue;
                }
                let mode = if small_mode == Mode::Store || !compresses(&file, *len).map_err(read_err)? {
                    Mode::Store
                } else {
                    Mode::Deflate
                };
                let mut total = 0u64;
                let mut first = true;
                let mut dictionary = Vec::new();
                loop {
                    let last = next.is_empty();
                    total += current.len() as u64;
                    let following =
                        if last { Vec::new() } else { read_chunk(&mut file).map_err(read_err)? };
                    let next_dictionary =
                        if mode == Mode::Deflate && !last { pipeline::tail(&current) } else { Vec::new() };
                    let dictionary = std::mem::replace(&mut dictionary, next_dictionary);
                    let job = Job { data: current, dictionary, last, level, mode };
                    pipeline.submit(Tag { item: index, first, last }, job, &mut sink)?;
                    if last {
                        break;
                    }
                    first = false;
                    current = std::mem::replace(&mut next, following);
                }
                if total != *len {
                    return Err(PackError::FileChanged { path: path.clone() });
                }
            }
        }
    }
    pipeline.drain(&mut sink)?;
    writer.finish().map_err(|err| PackError::io("writing", Path::new("the package"), err))
}

/// Read up to one chunk.
pub(crate) fn read_chunk(reader: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut buffer = Vec::with_capacity(CHUNK);
    reader.take(CHUNK as u64).read_to_end(&mut buffer)?;
    Ok(buffer)
}

/// Trial compression of three 16 KiB samples (start, middle, end) at level 1: whether deflate is
/// worth it for a large file. Deterministic for given content.
fn compresses(file: &File, len: u64) -> io::Result<bool> {
    const SAMPLE: u64 = 16 * 1024;
    let mut raw = 0usize;
    let mut packed = 0usize;
    for offset in [0, len / 2, len.saturating_sub(SAMPLE)] {
        let mut buffer = vec![0; SAMPLE.min(len - offset) as usize];
        file.read_exact_at(&mut buffer, offset)?;
        raw += buffer.len();
        packed += pipeline::deflate(&buffer, &[], 1, true)?.len();
    }
    Ok((packed as f64) < raw as f64 * 0.97)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dos_times() {
        assert_eq!(dos_time(0), (0x21, 0), "before 1980 clamps to 1980-01-01");
        // 2026-11-22 13:45:30 UTC
        let (date, time) = dos_time(1_795_355_130);
        assert_eq!((date >> 9) + 1980, 2026);
        assert_eq!(((date >> 5) & 15, date & 31), (11, 22));
        assert_eq!((time >> 11, (time >> 5) & 63, (time & 31) * 2), (13, 45, 30));
    }

    #[test]
    fn extension_list() {
        assert!(stored_by_extension("img/logo.PNG"));
        assert!(stored_by_extension("a/b.tar.gz"));
        assert!(!stored_by_extension("a/png"));
        assert!(!stored_by_extension(".png"));
        assert!(!stored_by_extension("main.js"));
    }
}
