//! Twill's API as MCP tools, built from `twill-api`'s declarations on
//! [rmcp](https://docs.rs/rmcp)'s tool router.
//!
//! Every declared endpoint is a tool ([`catalog`]): named after its method,
//! described from its doc comment for a model to read, its input schema
//! made of its parameters and its request type's JSON Schema, its output
//! schema its response type's, its annotations its declared effects. Two
//! workflow tools ([`workflow`]) wait for a job the way every MCP client
//! tolerates: within a bound (45 s unless set), with progress
//! notifications, stopped by cancellation, and with a `resume` value when
//! the job goes on. API errors and bad arguments are tool results with
//! `isError` ([`result`]), never protocol errors.
//!
//! `twill mcp` serves [`TwillMcp`] on stdio ([`serve_stdio`]); an agent
//! host with a server of its own mounts the same tools with
//! [`TwillTools::router`]:
//!
//! ```no_run
//! use std::sync::Arc;
//! use twill_mcp::{Options, TwillTools};
//!
//! struct MyServer;
//!
//! # fn main() -> Result<(), twill_api::client::BuildError> {
//! let client = twill_api::Client::from_env()?;
//! let tools = Arc::new(TwillTools::new(client, Options::default()));
//! let router: rmcp::handler::server::router::tool::ToolRouter<MyServer> = tools.router();
//! # let _ = router;
//! # Ok(())
//! # }
//! ```

pub mod catalog;
pub mod result;
pub mod workflow;

use std::sync::Arc;
use std::time::Duration;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, InitializeResult, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use twill_api::{Client, Endpoint, RetryPolicy};

/// How the tools behave.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// Serve only the tools that read (the others are disabled routes).
    pub read_only: bool,
    /// The longest a wait lasts before it answers with `resume`: under the
    /// 60 s after which clients built on the TypeScript SDK give up.
    pub wait_bound: Duration,
    /// The longest `Retry-After` a call waits out before answering with
    /// the 429: a model should not sit a minute inside one tool call.
    pub max_retry_after: Duration,
    /// How often a wait with a progress token reports, at least.
    pub progress_every: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            read_only: false,
            wait_bound: Duration::from_secs(45),
            max_retry_after: Duration::from_secs(5),
            progress_every: Duration::from_secs(10),
        }
    }
}

impl Options {
    /// Only the tools that read.
    pub fn read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
        self
    }

    /// The longest a wait lasts (and its default `timeoutSeconds`).
    pub fn wait_bound(mut self, bound: Duration) -> Self {
        self.wait_bound = bound;
        self
    }

    /// How often a wait with a progress token reports, at least.
    pub fn progress_every(mut self, every: Duration) -> Self {
        self.progress_every = every;
        self
    }
}

/// The tools: a client, the endpoints served, and how they behave. Shared
/// by every route (an `Arc`), so that any server can mount them.
#[derive(Debug)]
pub struct TwillTools {
    client: Client,
    options: Options,
    endpoints: Vec<&'static Endpoint>,
}

impl TwillTools {
    /// The tools of every endpoint `twill-api` declares.
    pub fn new(client: Client, options: Options) -> Self {
        Self::of(
            client,
            &twill_api::all_endpoints().collect::<Vec<_>>(),
            options,
        )
    }

    /// The tools of `endpoints` (less those [`catalog::EXCLUDED`]), such as
    /// `twill-api`'s with a downstream crate's own declarations.
    pub fn of(client: Client, endpoints: &[&'static Endpoint], options: Options) -> Self {
        let policy = RetryPolicy::default().max_retry_after(options.max_retry_after);
        TwillTools {
            client: client.with_retry_policy(policy),
            endpoints: endpoints
                .iter()
                .copied()
                .filter(|endpoint| !catalog::is_excluded(endpoint))
                .collect(),
            options,
        }
    }

    /// The endpoints served as tools.
    pub fn endpoints(&self) -> &[&'static Endpoint] {
        &self.endpoints
    }

    /// A tool router for a server of type `S`: a route per endpoint and
    /// per workflow tool, those that write disabled in read-only mode.
    pub fn router<S: Send + Sync + 'static>(self: &Arc<Self>) -> ToolRouter<S> {
        let mut router = ToolRouter::new();
        for endpoint in &self.endpoints {
            router.add_route(catalog::route(self, endpoint));
        }
        for route in workflow::routes(self) {
            router.add_route(route);
        }
        if self.options.read_only {
            let writing: Vec<String> = router
                .list_all()
                .into_iter()
                .filter(|tool| !is_read_only(tool))
                .map(|tool| tool.name.into_owned())
                .collect();
            for name in writing {
                router.disable_route(name);
            }
        }
        router
    }
}

fn is_read_only(tool: &Tool) -> bool {
    tool.annotations
        .as_ref()
        .is_some_and(|annotations| annotations.read_only_hint == Some(true))
}

/// The MCP server: Twill's tools behind rmcp's router, which answers
/// `tools/list` and `tools/call`.
pub struct TwillMcp {
    tools: Arc<TwillTools>,
    router: ToolRouter<TwillMcp>,
}

impl TwillMcp {
    /// A server of `tools`.
    pub fn new(tools: TwillTools) -> Self {
        let tools = Arc::new(tools);
        let router = tools.router();
        TwillMcp { tools, router }
    }

    /// What it serves.
    pub fn tools(&self) -> &TwillTools {
        &self.tools
    }

    /// The tools it lists, in the order it lists them.
    pub fn list(&self) -> Vec<Tool> {
        self.router.list_all()
    }
}

impl ServerHandler for TwillMcp {
    fn get_info(&self) -> InitializeResult {
        let mut info = InitializeResult::new(ServerCapabilities::builder().enable_tools().build())
            .with_instructions(
                "Drive Twill, a cloud coding agent: create a task (or start_task_and_wait), \
                 send it messages, wait_for_job until its job ends (a wait answers within \
                 about 45 seconds; call it again with its resume value while the job runs), \
                 and read the final answer with get_task. Every task has a url to show the user.",
            );
        info.server_info = Implementation::new("twill", env!("CARGO_PKG_VERSION"));
        info
    }

    async fn list_tools(
        &self,
        _: Option<PaginatedRequestParams>,
        _: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.router.list_all()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        // Unknown tools are the protocol's -32602; a disabled one says why.
        if self.router.is_disabled(&request.name) {
            return Err(ErrorData::invalid_params(
                format!("no tool `{}`: this server is read-only", request.name),
                None,
            ));
        }
        self.router
            .call(ToolCallContext::new(self, request, context))
            .await
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.router.get(name).cloned()
    }
}

/// Why serving stopped.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServeError {
    /// The handshake with the client failed.
    Start(String),
    /// The connection failed after the handshake.
    Stopped(String),
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServeError::Start(why) => write!(f, "cannot start the MCP server: {why}"),
            ServeError::Stopped(why) => write!(f, "the MCP server stopped: {why}"),
        }
    }
}

impl std::error::Error for ServeError {}

/// Serves `tools` on standard input and output until the client leaves,
/// at any point: before `initialize` too, which is a quiet end, not an
/// error.
pub async fn serve_stdio(tools: TwillTools) -> Result<(), ServeError> {
    use rmcp::service::ServerInitializeError;
    let running = match TwillMcp::new(tools).serve(rmcp::transport::stdio()).await {
        Ok(running) => running,
        Err(ServerInitializeError::ConnectionClosed(_) | ServerInitializeError::Cancelled) => {
            return Ok(());
        }
        Err(error) => return Err(ServeError::Start(error.to_string())),
    };
    running
        .waiting()
        .await
        .map_err(|error| ServeError::Stopped(error.to_string()))?;
    Ok(())
}
