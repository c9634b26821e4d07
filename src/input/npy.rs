//! The one NPY reader: the header of a little-endian float32 or float64 array (NPY
//! versions 1 to 3), read from bytes without allocating more than they hold. Stimulus
//! files and curve parts read their arrays through it.

/// An NPY file's header, read, and its data.
pub(crate) struct Npy<'a> {
    /// The header's text (a Python dict literal, and anything after it).
    #[cfg_attr(not(feature = "output"), allow(dead_code))]
    pub header: &'a str,
    /// Bytes per value: 4 (`'<f4'`) or 8 (`'<f8'`).
    pub width: usize,
    /// The array's dimensions.
    pub shape: Vec<usize>,
    /// The shape as the header writes it, between the parentheses.
    pub shape_text: &'a str,
    /// Everything after the header.
    pub data: &'a [u8],
}

impl<'a> Npy<'a> {
    /// The header of the NPY file held in `bytes`, or what is wrong with it.
    pub fn parse(bytes: &'a [u8]) -> Result<Npy<'a>, String> {
        const MAGIC: &[u8] = b"\x93NUMPY";
        if bytes.len() < 10 || &bytes[..6] != MAGIC {
            return Err("not an NPY file (no \\x93NUMPY magic)".into());
        }
        let (header_len, start): (usize, usize) = match bytes[6] {
            1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
            2 | 3 if bytes.len() >= 12 => (
                u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
                12,
            ),
            version => return Err(format!("NPY version {version} is not supported")),
        };
        let end = start
            .checked_add(header_len)
            .ok_or("a truncated NPY header")?;
        let header = bytes
            .get(start..end)
            .and_then(|h| std::str::from_utf8(h).ok())
            .ok_or("a truncated NPY header")?;
        let field = |key: &str| -> Option<&'a str> {
            let at = header.find(&format!("'{key}'"))? + key.len() + 2;
            let rest = header[at..].trim_start().strip_prefix(':')?.trim_start();
            Some(rest)
        };
        let descr = field("descr").ok_or("the NPY header has no 'descr'")?;
        let width = if descr.starts_with("'<f8'") {
            8
        } else if descr.starts_with("'<f4'") {
            4
        } else {
            let descr: String = descr.chars().take_while(|c| *c != ',').collect();
            return Err(format!(
                "dtype {}: expected float32 or float64 ('<f4' or '<f8')",
                shown(&descr)
            ));
        };
        if field("fortran_order").is_some_and(|v| v.starts_with("True")) {
            return Err("a Fortran-ordered array: save a C-ordered one".into());
        }
        let shape = field("shape").ok_or("the NPY header has no 'shape'")?;
        let shape_text = shape
            .strip_prefix('(')
            .and_then(|s| s.split_once(')'))
            .map(|(dims, _)| dims)
            .ok_or("a malformed NPY shape")?;
        let shape = shape_text
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(|d| {
                d.parse()
                    .map_err(|_| format!("a malformed NPY shape ({})", shown(shape_text)))
            })
            .collect::<Result<_, _>>()?;
        Ok(Npy {
            header,
            width,
            shape,
            shape_text,
            data: &bytes[end..],
        })
    }

    /// The first `len` values of the data, widened to float64. The length is checked
    /// against the data before anything is allocated: a header may announce more
    /// values than memory holds.
    pub fn floats(&self, len: usize) -> Result<Vec<f64>, String> {
        let width = self.width;
        let size = len
            .checked_mul(width)
            .filter(|&size| size <= self.data.len())
            .ok_or_else(|| format!("{len} values announced, {} bytes of data", self.data.len()))?;
        Ok(self.data[..size]
            .chunks_exact(width)
            .map(|b| match width {
                8 => f64::from_le_bytes(b.try_into().expect("8 bytes")),
                _ => f64::from(f32::from_le_bytes(b.try_into().expect("4 bytes"))),
            })
            .collect())
    }
}

/// A piece of a file's header as a message shows it: on one line, control characters
/// escaped, and at most 40 characters of it.
pub(crate) fn shown(text: &str) -> String {
    const MOST: usize = 40;
    let mut shown: String = text
        .chars()
        .take(MOST)
        .flat_map(char::escape_debug)
        .collect();
    if text.chars().nth(MOST).is_some() {
        shown.push('…');
    }
    shown
}
