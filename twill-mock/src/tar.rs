//! A minimal ustar writer, enough for teleport's small session archive.

/// A tar archive of `files` (name, content), readable by `tar -x`.
pub(crate) fn archive(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, content) in files {
        let mut header = [0u8; 512];
        put(&mut header[0..100], name.as_bytes());
        put(&mut header[100..108], b"0000644\0");
        put(&mut header[108..116], b"0000000\0");
        put(&mut header[116..124], b"0000000\0");
        put(
            &mut header[124..136],
            format!("{:011o}\0", content.len()).as_bytes(),
        );
        put(&mut header[136..148], b"15254160000\0");
        header[156] = b'0';
        put(&mut header[257..263], b"ustar\0");
        put(&mut header[263..265], b"00");
        // The checksum is computed with its own field read as spaces.
        header[148..156].fill(b' ');
        let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
        put(&mut header[148..156], format!("{sum:06o}\0 ").as_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(content);
        out.resize(out.len().next_multiple_of(512), 0);
    }
    // Two zero blocks end the archive.
    out.resize(out.len() + 1024, 0);
    out
}

fn put(field: &mut [u8], value: &[u8]) {
    let n = value.len().min(field.len());
    field[..n].copy_from_slice(&value[..n]);
}

#[cfg(test)]
mod tests {
    use super::archive;

    #[test]
    fn layout() {
        let tar = archive(&[("a.txt", b"hello"), ("b.txt", b"")]);
        // header + one padded data block + header + end blocks
        assert_eq!(tar.len(), 512 + 512 + 512 + 1024);
        assert_eq!(&tar[0..5], b"a.txt");
        assert_eq!(&tar[257..262], b"ustar");
        assert_eq!(&tar[512..517], b"hello");
        let checksum = std::str::from_utf8(&tar[148..154]).unwrap();
        let mut header = tar[..512].to_vec();
        header[148..156].fill(b' ');
        let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
        assert_eq!(u32::from_str_radix(checksum, 8).unwrap(), sum);
    }
}
