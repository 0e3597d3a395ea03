//! Parallel, ordered, bounded-memory deflate.
//!
//! Input is cut into fixed 1 MiB chunks. Each chunk is compressed on the rayon pool as its own
//! raw-deflate piece, primed with the previous 32 KiB of input as a preset dictionary (as pigz
//! does) and ended with a sync flush, so the pieces concatenate into one valid deflate stream.
//! Chunk boundaries depend only on the data, never on the number of threads or timing, so the
//! output is byte-identical to a single-threaded run. Results are consumed strictly in submission
//! order and at most a fixed number of chunks are in flight, so memory stays flat whatever the
//! input size.

use std::collections::VecDeque;
use std::io;
use std::sync::mpsc::{Receiver, sync_channel};

use flate2::{Compress, Compression, Crc, FlushCompress, Status};

/// Size of one unit of parallel work.
pub(crate) const CHUNK: usize = 1 << 20;
/// Deflate's window: how much preceding input primes each chunk.
pub(crate) const WINDOW: usize = 32 * 1024;

/// What to do with a chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Only compute the CRC (stored entries).
    Store,
    /// Deflate (one piece of a stream).
    Deflate,
    /// Deflate one piece of a mixed stream (tar.gz): a piece whose level-1 samples do not
    /// shrink is written as stored deflate blocks (level 0) instead of searched for matches.
    DeflateAdaptive,
    /// Deflate a whole small entry; the caller keeps the raw bytes to store them instead when
    /// deflate does not make them smaller.
    DeflateOrStore,
}

/// One unit of work.
pub(crate) struct Job {
    /// The input bytes.
    pub data: Vec<u8>,
    /// Up to 32 KiB of input that precede `data` in the same stream.
    pub dictionary: Vec<u8>,
    /// Whether this is the last chunk of its stream (finish instead of sync flush).
    pub last: bool,
    /// Deflate level (1-9; 0 stores inside deflate blocks).
    pub level: u32,
    /// What to do.
    pub mode: Mode,
}

/// The result of a job.
pub(crate) struct Done {
    /// The input bytes (returned so the caller can write stored data or reuse them).
    pub raw: Vec<u8>,
    /// The deflated bytes, when the mode deflates.
    pub deflated: Option<Vec<u8>>,
    /// CRC-32 of `raw`.
    pub crc: Crc,
}

/// Run a job (on whatever thread calls it).
pub(crate) fn run(job: Job) -> io::Result<Done> {
    let mut crc = Crc::new();
    crc.update(&job.data);
    let deflated = match job.mode {
        Mode::Store => None,
        Mode::DeflateOrStore if !worth_deflating(&job.data)? => None,
        Mode::DeflateAdaptive => {
            let level = if piece_compresses(&job.data)? { job.level } else { 0 };
            Some(deflate(&job.data, &job.dictionary, level, job.last)?)
        }
        Mode::Deflate | Mode::DeflateOrStore => {
            Some(deflate(&job.data, &job.dictionary, job.level, job.last)?)
        }
    };
    Ok(Done { raw: job.data, deflated, crc })
}

/// For a whole small entry: whether a level-1 trial on its first 16 KiB shrinks it by at least
/// 3% (entries under 32 KiB are always deflated in full and kept deflated only when smaller).
/// Saves deflating random data only to store it. Depends on the content only.
pub(crate) fn worth_deflating(data: &[u8]) -> io::Result<bool> {
    const SAMPLE: usize = 16 * 1024;
    if data.len() < 2 * SAMPLE {
        return Ok(true);
    }
    let packed = deflate(&data[..SAMPLE], &[], 1, true)?.len();
    Ok((packed as f64) < SAMPLE as f64 * 0.97)
}

/// For a piece of a mixed stream: whether four 4 KiB samples spread over it shrink by at least 3%
/// together at level 1 (a piece that is only partly incompressible is still deflated).
pub(crate) fn piece_compresses(data: &[u8]) -> io::Result<bool> {
    const SAMPLE: usize = 4 * 1024;
    if data.len() < 8 * SAMPLE {
        return Ok(true);
    }
    let step = (data.len() - SAMPLE) / 3;
    let mut packed = 0;
    for index in 0..4 {
        packed += deflate(&data[index * step..index * step + SAMPLE], &[], 1, true)?.len();
    }
    Ok((packed as f64) < (4 * SAMPLE) as f64 * 0.97)
}

/// Deflate `input` as a raw piece primed with `dictionary`.
///
/// Uses a fresh compressor every time: a reset compressor that compressed other data before can
/// produce different (valid, but not byte-identical) output, which would make packages depend
/// on thread scheduling.
pub(crate) fn deflate(input: &[u8], dictionary: &[u8], level: u32, last: bool) -> io::Result<Vec<u8>> {
    let mut compress = Compress::new(Compression::new(level), false);
    if !dictionary.is_empty() {
        compress.set_dictionary(dictionary).map_err(io::Error::other)?;
    }
    deflate_with(&mut compress, input, last)
}

fn deflate_with(compress: &mut Compress, input: &[u8], last: bool) -> io::Result<Vec<u8>> {
    let flush = if last { FlushCompress::Finish } else { FlushCompress::Sync };
    let mut out: Vec<u8> = Vec::with_capacity(input.len() / 2 + 4096);
    let start_in = compress.total_in();
    loop {
        if out.capacity() - out.len() < 4096 {
            out.reserve(out.capacity().max(64 * 1024));
        }
        let consumed = (compress.total_in() - start_in) as usize;
        let produced = out.len();
        let status = compress.compress_vec(&input[consumed..], &mut out, flush).map_err(io::Error::other)?;
        let progress = (compress.total_in() - start_in) as usize != consumed || out.len() != produced;
        let consumed = (compress.total_in() - start_in) as usize;
        if !progress && status != Status::StreamEnd {
            return Err(io::Error::other("deflate made no progress"));
        }
        match status {
            Status::StreamEnd => return Ok(out),
            Status::Ok | Status::BufError => {
                // A sync flush is complete once all input is in and the output had room to spare.
                if !last && consumed == input.len() && out.len() < out.capacity() {
                    return Ok(out);
                }
            }
        }
    }
}

/// Submits jobs to the rayon pool and hands their results back in submission order, with a
/// bounded number in flight.
pub(crate) struct Ordered<T> {
    queue: VecDeque<(T, Receiver<io::Result<Done>>)>,
    max_in_flight: usize,
    /// A pool of our own: the caller may itself run on a rayon worker (even of a one-thread
    /// pool), and blocking there on work spawned into the same pool would deadlock.
    pool: rayon::ThreadPool,
}

impl<T> Ordered<T> {
    /// A pipeline with as many threads as the current rayon pool (all cores by default).
    pub(crate) fn new() -> io::Result<Self> {
        let threads = rayon::current_num_threads();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|index| format!("ferry-deflate-{index}"))
            .build()
            .map_err(io::Error::other)?;
        Ok(Ordered { queue: VecDeque::new(), max_in_flight: threads * 3 + 2, pool })
    }

    /// Queue `job`; when too many are in flight, first hand the oldest result to `sink`.
    pub(crate) fn submit<E>(
        &mut self,
        tag: T,
        job: Job,
        sink: &mut impl FnMut(T, Done) -> Result<(), E>,
    ) -> Result<(), E>
    where
        E: From<io::Error>,
    {
        while self.queue.len() >= self.max_in_flight {
            self.pop(sink)?;
        }
        let (sender, receiver) = sync_channel(1);
        self.pool.spawn(move || {
            let _ = sender.send(run(job));
        });
        self.queue.push_back((tag, receiver));
        Ok(())
    }

    /// Hand every outstanding result to `sink`, in order.
    pub(crate) fn drain<E>(&mut self, sink: &mut impl FnMut(T, Done) -> Result<(), E>) -> Result<(), E>
    where
        E: From<io::Error>,
    {
        while !self.queue.is_empty() {
            self.pop(sink)?;
        }
        Ok(())
    }

    fn pop<E>(&mut self, sink: &mut impl FnMut(T, Done) -> Result<(), E>) -> Result<(), E>
    where
        E: From<io::Error>,
    {
        let Some((tag, receiver)) = self.queue.pop_front() else { return Ok(()) };
        let done = receiver.recv().map_err(|_| io::Error::other("a compression worker stopped"))??;
        sink(tag, done)
    }
}

/// The dictionary for the chunk that follows `previous`: its last 32 KiB.
pub(crate) fn tail(previous: &[u8]) -> Vec<u8> {
    previous[previous.len().saturating_sub(WINDOW)..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn sample(len: usize) -> Vec<u8> {
        let words = ["alpha ", "beta ", "gamma\n", "delta ", "epsilon "];
        let mut state = 7u32;
        let mut out = Vec::with_capacity(len);
        while out.len() < len {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            out.extend_from_slice(words[(state >> 16) as usize % words.len()].as_bytes());
        }
        out.truncate(len);
        out
    }

    #[test]
    fn chunked_pieces_form_one_stream() {
        let data = sample(3 * CHUNK + 1234);
        let mut stream = Vec::new();
        let chunks: Vec<&[u8]> = data.chunks(CHUNK).collect();
        for (index, chunk) in chunks.iter().enumerate() {
            let dictionary = if index == 0 { Vec::new() } else { tail(chunks[index - 1]) };
            stream.extend(deflate(chunk, &dictionary, 6, index + 1 == chunks.len()).unwrap());
        }
        let mut back = Vec::new();
        flate2::read::DeflateDecoder::new(&stream[..]).read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
        // Priming keeps the ratio close to one whole-stream deflate.
        let whole = deflate(&data, &[], 6, true).unwrap();
        assert!(stream.len() as f64 <= whole.len() as f64 * 1.01, "{} vs {}", stream.len(), whole.len());
    }

    #[test]
    fn ordered_results_in_submission_order() {
        let mut pipeline = Ordered::new().unwrap();
        let mut seen = Vec::new();
        let mut sink = |tag: usize, done: Done| -> io::Result<()> {
            assert_eq!(done.raw.len(), tag * 10);
            seen.push(tag);
            Ok(())
        };
        for tag in 0..100usize {
            let job = Job {
                data: sample(tag * 10),
                dictionary: Vec::new(),
                last: true,
                level: 6,
                mode: Mode::Deflate,
            };
            pipeline.submit(tag, job, &mut sink).unwrap();
        }
        pipeline.drain(&mut sink).unwrap();
        assert_eq!(seen, (0..100).collect::<Vec<_>>());
    }
}
