//! A hook's refusal.

/// Why a [`Hook`](crate::hook::Hook) stopped a call before it was sent.
#[derive(Debug, thiserror::Error)]
#[error("a hook stopped the call: {message}")]
pub struct HookError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
    /// Attempts sent before the hook stopped the call.
    sent: u32,
    /// Whether one of them may have been acted on.
    pub(crate) acted: bool,
}

impl HookError {
    /// A refusal with a message.
    pub fn new(message: impl Into<String>) -> Self {
        HookError {
            message: message.into(),
            source: None,
            sent: 0,
            acted: false,
        }
    }

    /// A refusal caused by another error.
    pub fn with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        HookError {
            message: message.into(),
            source: Some(source.into()),
            sent: 0,
            acted: false,
        }
    }

    /// The message the hook gave.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// How many attempts were sent before the hook stopped the call: 0
    /// unless it stopped a retry.
    pub fn attempts_sent(&self) -> u32 {
        self.sent
    }

    pub(crate) fn after(mut self, sent: u32, acted: bool) -> Self {
        self.sent = sent;
        self.acted = acted;
        self
    }
}
