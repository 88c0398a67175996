/// Why a document could not be imported at all. Anything short of these is reported as a finding or
/// an unread line, never as an error.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the document is empty")]
    Empty,
    #[error(
        "the document is not text or HTML (it contains NUL bytes): save the minutes page as HTML or text"
    )]
    NotText,
    #[error("no meeting date found in the document's heading: give it with --date YYYY-MM-DD")]
    NoDate,
    #[error("the body key and meeting date do not make a valid key: {0}")]
    BadKey(String),
}
