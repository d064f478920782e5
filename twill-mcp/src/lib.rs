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
pub mod fleet;
pub mod lines;
pub mod result;
pub mod schema;
pub mod skill;
pub mod workflow;

use std::sync::Arc;
use std::time::Duration;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CancelTaskParams, CreateTaskResult,
    GetSkillRequestParams, GetSkillResult, GetTaskParams, GetTaskResult, Implementation,
    InitializeResult, ListResourcesResult, ListSkillsResult, ListToolsResult,
    PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities,
    Task, Tool,
};
use rmcp::service::RequestContext;
use rmcp::task_manager::{TaskExit, TaskManager, TaskOptions};
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
    /// The longest a wait run as a task lasts (tasks extension): a client
    /// polls it, so no call times out.
    pub task_wait_bound: Duration,
    /// The toolsets served ([`toolset_of`]); every one when `None`.
    pub toolsets: Option<Vec<String>>,
}

/// The toolset of the workflow tools (`wait_for_job`,
/// `start_task_and_wait`, `start_tasks`).
pub const WORKFLOWS: &str = "workflows";

/// The toolset an endpoint's tool belongs to: its trait's, `tasks`,
/// `jobs`, `schedules` or `account` for Twill's, the trait's name in lower
/// case for a downstream crate's.
pub fn toolset_of(endpoint: &Endpoint) -> String {
    match endpoint.trait_name() {
        Some("Tasks") => "tasks".to_owned(),
        Some("Jobs") => "jobs".to_owned(),
        Some("ScheduledTasks") => "schedules".to_owned(),
        Some("Account") => "account".to_owned(),
        Some(other) => other.to_lowercase(),
        None => "other".to_owned(),
    }
}

/// Every toolset of `endpoints`, the workflows' last, without repeats.
pub fn toolsets(endpoints: &[&'static Endpoint]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for endpoint in endpoints
        .iter()
        .filter(|endpoint| !catalog::is_excluded(endpoint))
    {
        let name = toolset_of(endpoint);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.push(WORKFLOWS.to_owned());
    names
}

impl Default for Options {
    fn default() -> Self {
        Options {
            read_only: false,
            wait_bound: Duration::from_secs(45),
            max_retry_after: Duration::from_secs(5),
            progress_every: Duration::from_secs(10),
            task_wait_bound: Duration::from_secs(3600),
            toolsets: None,
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

    /// Serves only the tools of `toolsets` (see [`toolsets`]): a host that
    /// needs tasks and waits alone spends fewer bytes of every session's
    /// context on the tool list.
    pub fn toolsets(mut self, toolsets: Vec<String>) -> Self {
        self.toolsets = Some(toolsets);
        self
    }

    /// Whether the toolset `name` is served.
    fn serves(&self, name: &str) -> bool {
        self.toolsets
            .as_ref()
            .is_none_or(|toolsets| toolsets.iter().any(|served| served == name))
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
            if self.options.serves(&toolset_of(endpoint)) {
                router.add_route(catalog::route(self, endpoint));
            }
        }
        if self.options.serves(WORKFLOWS) {
            for route in workflow::routes(self) {
                router.add_route(route);
            }
            router.add_route(fleet::route_of(self));
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
    /// The waits run as tasks, for clients that declare the extension.
    tasks: TaskManager,
}

impl TwillMcp {
    /// A server of `tools`.
    pub fn new(tools: TwillTools) -> Self {
        let tools = Arc::new(tools);
        let router = tools.router();
        TwillMcp {
            tools,
            router,
            tasks: TaskManager::new(),
        }
    }

    /// What it serves.
    pub fn tools(&self) -> &TwillTools {
        &self.tools
    }

    /// Runs a wait as a task: answered at once, reported by `tasks/get`,
    /// stopped by `tasks/cancel` (its log stream closed), kept for ten
    /// minutes after its bound.
    fn spawn(&self, workflow: workflow::Workflow, arguments: rmcp::model::JsonObject) -> Task {
        let tools = Arc::clone(&self.tools);
        let keep = self.tools.options.task_wait_bound + Duration::from_secs(600);
        let options = TaskOptions::new()
            .with_ttl_ms(u64::try_from(keep.as_millis()).unwrap_or(u64::MAX))
            .with_poll_interval_ms(2_000)
            .with_status_message("waiting");
        self.tasks.spawn(options, move |task| {
            Box::pin(async move {
                let stop = task.clone();
                tokio::select! {
                    result = workflow.run_as_task(tools, arguments, task) => Ok(result),
                    () = stop.cancelled() => Err(TaskExit::Cancelled),
                }
            })
        })
    }

    /// The tools it lists, in the order it lists them.
    pub fn list(&self) -> Vec<Tool> {
        self.router.list_all()
    }
}

impl ServerHandler for TwillMcp {
    fn get_info(&self) -> InitializeResult {
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_tasks()
            .enable_resources()
            .enable_skills()
            .build();
        let bound = self.tools.options.wait_bound.as_secs();
        let mut info = InitializeResult::new(capabilities).with_instructions(format!(
            "Drive Twill, a cloud coding agent: create a task (or start_task_and_wait), send it \
             messages, wait_for_job until its job ends (a wait answers within {bound} seconds; \
             call it again with its resume value while the job runs), and read the final answer \
             with get_task. Every task has a url to show the user."
        ));
        info.server_info = Implementation::new("twill", env!("CARGO_PKG_VERSION"));
        info
    }

    async fn list_skills(
        &self,
        _: Option<PaginatedRequestParams>,
        _: RequestContext<RoleServer>,
    ) -> Result<ListSkillsResult, ErrorData> {
        Ok(skill::list())
    }

    async fn get_skill(
        &self,
        request: GetSkillRequestParams,
        _: RequestContext<RoleServer>,
    ) -> Result<GetSkillResult, ErrorData> {
        skill::get(&request.uri)
    }

    async fn list_resources(
        &self,
        _: Option<PaginatedRequestParams>,
        _: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(ListResourcesResult::with_all_items(skill::resources()))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        skill::read(&request.uri).map(Into::into).ok_or_else(|| {
            ErrorData::resource_not_found(
                format!("no resource {}", result::quoted(&request.uri)),
                None,
            )
        })
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
        // A disabled tool says why.
        if self.router.is_disabled(&request.name) {
            return Err(ErrorData::invalid_params(
                format!("no tool `{}`: this server is read-only", request.name),
                None,
            ));
        }
        // Unknown tools are the protocol's -32602, named (rmcp's own says
        // only "tool not found").
        if !self.router.has_route(&request.name) {
            return Err(ErrorData::invalid_params(
                format!(
                    "no tool {}; tools/list names this server's tools",
                    result::quoted(&request.name)
                ),
                None,
            ));
        }
        if let Some(workflow) = workflow::Workflow::named(&request.name)
            && context
                .client_capabilities()
                .is_some_and(|capabilities| capabilities.supports_tasks())
        {
            return Ok(CallToolResponse::Task(CreateTaskResult::new(
                self.spawn(workflow, request.arguments.unwrap_or_default()),
            )));
        }
        self.router
            .call(ToolCallContext::new(self, request, context))
            .await
    }

    async fn get_task(
        &self,
        request: GetTaskParams,
        _: RequestContext<RoleServer>,
    ) -> Result<GetTaskResult, ErrorData> {
        self.tasks
            .get_task(&request.task_id)
            .map(GetTaskResult::new)
    }

    async fn cancel_task(
        &self,
        request: CancelTaskParams,
        _: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.tasks.cancel_task(&request.task_id)
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
    serve_lines(tools, tokio::io::stdin(), tokio::io::stdout()).await
}

/// Serves `tools` on a line-delimited JSON-RPC connection: `input` from
/// the client, `output` to it. Each line is checked by [`lines::Framing`]
/// before rmcp reads it, so that every line gets an answer.
pub async fn serve_lines(
    tools: TwillTools,
    input: impl tokio::io::AsyncRead + Unpin + Send + 'static,
    output: impl tokio::io::AsyncWrite + Unpin + Send + 'static,
) -> Result<(), ServeError> {
    use rmcp::service::ServerInitializeError;
    let (to_rmcp, rmcp_input) = tokio::io::duplex(1 << 16);
    let (rmcp_output, from_rmcp) = tokio::io::duplex(1 << 16);
    let (replies, replies_out) = tokio::sync::mpsc::channel(16);
    let mut reading = tokio::spawn(read_lines(input, to_rmcp, replies));
    let writing = tokio::spawn(write_lines(from_rmcp, replies_out, output));
    let served = match TwillMcp::new(tools).serve((rmcp_input, rmcp_output)).await {
        Ok(running) => {
            let stop = running.cancellation_token();
            let waiting = running.waiting();
            tokio::pin!(waiting);
            // The client closed its input, which is how a stdio client
            // ends the session: answers due in a moment still go out, then
            // work in flight stops (each call's cancellation token closes
            // its log stream) rather than a wait nobody will read.
            let quit = tokio::select! {
                quit = &mut waiting => quit,
                _ = &mut reading => {
                    match tokio::time::timeout(Duration::from_millis(500), &mut waiting).await {
                        Ok(quit) => quit,
                        Err(_) => {
                            stop.cancel();
                            waiting.await
                        }
                    }
                }
            };
            quit.map(|_| ())
                .map_err(|error| ServeError::Stopped(error.to_string()))
        }
        Err(ServerInitializeError::ConnectionClosed(_) | ServerInitializeError::Cancelled) => {
            Ok(())
        }
        Err(error) => Err(ServeError::Start(error.to_string())),
    };
    reading.abort();
    // What rmcp wrote last (a final answer) still goes out.
    let _ = writing.await;
    served
}

/// Reads the client's lines, giving rmcp those it should read and
/// sending the framing's own answers to `replies`; ends (closing rmcp's
/// input) when the client does.
async fn read_lines(
    input: impl tokio::io::AsyncRead + Unpin,
    mut to_rmcp: tokio::io::DuplexStream,
    replies: tokio::sync::mpsc::Sender<serde_json::Value>,
) {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    let mut input = tokio::io::BufReader::new(input);
    let mut framing = lines::Framing::default();
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = (&mut input)
            .take(lines::MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)
            .await;
        match read {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if line.len() > lines::MAX_LINE && line.last() != Some(&b'\n') {
            // Too long: answered, and the rest of the line skipped.
            let reply = lines::error_reply(
                serde_json::Value::Null,
                -32700,
                "parse error: the line is over 16 MiB",
            );
            if replies.send(reply).await.is_err() || skip_line(&mut input).await.is_err() {
                return;
            }
            continue;
        }
        let text = String::from_utf8_lossy(&line);
        match framing.check(text.trim_end_matches(['\n', '\r'])) {
            lines::Verdict::Forward(message) => {
                let sent = to_rmcp.write_all(message.as_bytes()).await;
                if sent.and(to_rmcp.write_all(b"\n").await).is_err() {
                    return;
                }
            }
            lines::Verdict::Reply(reply) => {
                if replies.send(reply).await.is_err() {
                    return;
                }
            }
            lines::Verdict::Drop => {}
        }
    }
}

/// Reads up to the end of the current line.
async fn skip_line(input: &mut (impl tokio::io::AsyncBufRead + Unpin)) -> std::io::Result<()> {
    use tokio::io::AsyncBufReadExt;
    loop {
        let buffer = input.fill_buf().await?;
        if buffer.is_empty() {
            return Ok(());
        }
        if let Some(at) = buffer.iter().position(|byte| *byte == b'\n') {
            input.consume(at + 1);
            return Ok(());
        }
        let all = buffer.len();
        input.consume(all);
    }
}

/// Writes rmcp's lines and the framing's answers to the client, a whole
/// line at a time, until both are done.
async fn write_lines(
    from_rmcp: tokio::io::DuplexStream,
    mut replies: tokio::sync::mpsc::Receiver<serde_json::Value>,
    mut output: impl tokio::io::AsyncWrite + Unpin,
) -> std::io::Result<()> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let mut from_rmcp = tokio::io::BufReader::new(from_rmcp).lines();
    let (mut rmcp_done, mut replies_done) = (false, false);
    loop {
        if rmcp_done && replies_done {
            return output.flush().await;
        }
        let line = tokio::select! {
            line = from_rmcp.next_line(), if !rmcp_done => match line? {
                Some(line) => line,
                None => {
                    rmcp_done = true;
                    continue;
                }
            },
            reply = replies.recv(), if !replies_done => match reply {
                Some(reply) => reply.to_string(),
                None => {
                    replies_done = true;
                    continue;
                }
            },
        };
        output.write_all(line.as_bytes()).await?;
        output.write_all(b"\n").await?;
        output.flush().await?;
    }
}
