//! Turning the byte offsets and byte columns parsers report into the 1-based line and
//! character column a finding carries, the same way for every language.

/// Line starts of one text, for offset → (line, column) lookups.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    /// 1-based line and character column of byte `offset`, clamped into the text and back
    /// onto a character boundary, so any offset a parser reports gives a valid place.
    pub fn position(&self, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let column = self.text[start..offset].chars().count() + 1;
        (saturate(line), saturate(column))
    }

    /// Byte offset of a 1-based `line` and 1-based *byte* `column` (serde_json counts bytes),
    /// clamped to the line.
    pub fn offset_of_byte_column(&self, line: usize, column: usize) -> usize {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let end = self
            .starts
            .get(line)
            .map_or(self.text.len(), |&next| next - 1);
        (start + column.saturating_sub(1)).min(end)
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn offsets_become_lines_and_character_columns() {
        let index = LineIndex::new("ab\ncdé\n\nx");
        assert_eq!(index.position(0), (1, 1));
        assert_eq!(index.position(2), (1, 3));
        assert_eq!(index.position(3), (2, 1));
        assert_eq!(index.position(7), (2, 4)); // after the two-byte é
        assert_eq!(index.position(6), (2, 3)); // inside é: back to its start
        assert_eq!(index.position(9), (4, 1));
        assert_eq!(index.position(10_000), (4, 2));
        assert_eq!(LineIndex::new("").position(5), (1, 1));
    }

    #[test]
    fn byte_columns_are_clamped_to_their_line() {
        let index = LineIndex::new("ab\ncd\n");
        assert_eq!(index.offset_of_byte_column(2, 2), 4);
        assert_eq!(index.offset_of_byte_column(1, 99), 2);
        assert_eq!(index.offset_of_byte_column(9, 1), 6);
        assert_eq!(index.offset_of_byte_column(1, 0), 0);
    }
}
