//! The HTTP face: routes, JSON bodies, statuses, graceful shutdown.

use std::future::Future;
use std::io;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use serde_json::json;
use tokio::net::TcpListener;

use crate::api::DecisionRequest;
use crate::service::{DecideError, Service};

/// Largest request body accepted, in bytes (a transaction with 100 recent
/// payments is about 8 KiB).
const MAX_BODY: usize = 64 << 10;

/// The service's routes: `POST /v1/decisions`, `GET /v1/health`,
/// `GET /v1/flow`; anything else is a JSON 404.
pub fn router(service: Service) -> Router {
    Router::new()
        .route("/v1/decisions", post(decisions))
        .route("/v1/health", get(health))
        .route("/v1/flow", get(flow))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(service)
}

/// Serves `service` on `listener` until `shutdown` completes, then stops
/// accepting, lets requests in flight finish, and returns.
pub async fn serve(
    listener: TcpListener,
    service: Service,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    // Replies are small and written at once; Nagle would only delay them.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY on a connection: {e}");
        }
    });
    axum::serve(listener, router(service)).with_graceful_shutdown(shutdown).await
}

async fn decisions(State(service): State<Service>, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body {
        Ok(body) => body,
        // Too large (413) or unreadable: axum's status, our JSON.
        Err(rejection) => return refusal(rejection.status(), rejection.body_text()),
    };
    let request = match DecisionRequest::from_json(&body) {
        Ok(request) => request,
        Err(message) => return refused(&DecideError::BadRequest(message)),
    };
    match service.decide(request).await {
        Ok(decision) => axum::Json(decision).into_response(),
        Err(e) => refused(&e),
    }
}

async fn health(State(service): State<Service>) -> Response {
    match service.graph_version() {
        Ok(graph_version) => axum::Json(json!({
            "status": "ok",
            "flow": financial_approval::FLOW,
            "graph_version": graph_version,
        }))
        .into_response(),
        Err(e) => refused(&e),
    }
}

async fn flow(State(service): State<Service>) -> Response {
    match service.describe() {
        Ok(description) => axum::Json(description).into_response(),
        Err(e) => refused(&e),
    }
}

async fn not_found() -> Response {
    refusal(
        StatusCode::NOT_FOUND,
        "no such endpoint; try POST /v1/decisions, GET /v1/health or GET /v1/flow".into(),
    )
}

fn refused(error: &DecideError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    // A 503 under load is expected and would flood the log; a 500 is a bug
    // or a broken store, worth a line each.
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!("{error}");
    }
    refusal(status, error.to_string())
}

fn refusal(status: StatusCode, message: String) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}
