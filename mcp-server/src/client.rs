//! The in-process MCP client: the agent talks to the very same server as every other client,
//! over a tokio duplex pipe, so it sees the same tools, policy, audit and metrics.

use rmcp::model::{CallToolRequestParams, Tool};
use rmcp::service::{RoleClient, RunningService};
use rmcp::{ServiceExt, model::ContentBlock};
use serde_json::Value;

use crate::{Error, KtriageMcp, Result};

/// A connected MCP client.
pub struct McpClient {
    service: RunningService<RoleClient, ()>,
    server: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for McpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpClient").finish_non_exhaustive()
    }
}

/// A tool's answer as the client receives it.
#[derive(Debug, Clone)]
pub struct ToolReply {
    /// The text content, joined.
    pub text: String,
    /// Whether the tool reported an error (the text says what to do).
    pub is_error: bool,
    pub structured: Option<Value>,
}

impl McpClient {
    /// Serve `handler` in this process and connect to it.
    pub async fn in_process(handler: KtriageMcp) -> Result<Self> {
        let (client_io, server_io) = tokio::io::duplex(1 << 20);
        let server = tokio::spawn(async move {
            match handler.serve(server_io).await {
                Ok(running) => {
                    if let Err(e) = running.waiting().await {
                        tracing::error!(error = %e, "in-process MCP server task failed");
                    }
                }
                Err(e) => tracing::error!(error = %e, "in-process MCP server did not start"),
            }
        });
        let service = ()
            .serve(client_io)
            .await
            .map_err(|e| Error::Session(format!("in-process handshake failed: {e}")))?;
        Ok(Self { service, server })
    }

    /// The tools the server lists for this caller.
    pub async fn list_tools(&self) -> Result<Vec<Tool>> {
        self.service
            .list_all_tools()
            .await
            .map_err(|e| Error::Session(format!("tools/list: {e}")))
    }

    /// Call a tool. A tool error is an `Ok` reply with `is_error`; `Err` means the session or
    /// the request itself failed.
    pub async fn call(&self, name: &str, args: Value) -> Result<ToolReply> {
        let mut params = CallToolRequestParams::new(name.to_string());
        if let Value::Object(m) = args {
            params = params.with_arguments(m);
        }
        let r = self
            .service
            .call_tool(params)
            .await
            .map_err(|e| Error::Session(format!("tools/call {name}: {e}")))?;
        let text = r
            .content
            .iter()
            .filter_map(|c| match c {
                ContentBlock::Text(t) => Some(t.text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n");
        Ok(ToolReply {
            text,
            is_error: r.is_error.unwrap_or(false),
            structured: r.structured_content,
        })
    }

    /// Close the session and wait for the server side to finish.
    pub async fn close(self) {
        if let Err(e) = self.service.cancel().await {
            tracing::warn!(error = %e, "closing the in-process MCP session");
        }
        if let Err(e) = self.server.await {
            tracing::warn!(error = %e, "in-process MCP server task");
        }
    }
}
