//! The shared estate on a map: the place's estate file (`estate` document,
//! the place file `oneplace estate` reads) and its register (`register`
//! document, the register CSV) read by `oneplace-estate`, drawn by its
//! `map::map_svg` (a plain projected plot of every site by its latitude and
//! longitude, with a graticule, a scale bar and a legend, no map tiles),
//! with the sites as a table beside it: the map's text alternative and each
//! site's details.

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::context;
use oneplace_estate::analysis::{co_location_candidates, utilisation};
use oneplace_estate::map::map_svg;
use oneplace_estate::model::Vocabulary;
use oneplace_estate::{Place as EstatePlace, Register, read_place, read_register};
use oneplace_store::Place;
use serde_json::json;

use crate::auth::Current;
use crate::pages::{base, place_document, user_place};
use crate::{AppState, Routes, error_response, render};

pub(crate) fn routes(r: Routes) -> Routes {
    r.add("GET", "/p/{place}/estate", get(estate_page)).add(
        "GET",
        "/api/places/{place}/estate",
        get(estate_api),
    )
}

/// The place's first document of a kind (404 when it keeps none).
async fn first_of_kind(
    state: &AppState,
    place: &str,
    kind: &str,
    path: &str,
) -> Result<oneplace_store::StoredDocument, Response> {
    let metas = state
        .store
        .documents(place, Some(kind))
        .await
        .map_err(|e| {
            error_response(
                state,
                path,
                StatusCode::INTERNAL_SERVER_ERROR,
                &e.to_string(),
            )
        })?;
    let meta = metas.into_iter().next().ok_or_else(|| {
        error_response(
            state,
            path,
            StatusCode::NOT_FOUND,
            "this place keeps no estate register",
        )
    })?;
    place_document(state, place, &meta.id, kind, path).await
}

/// The place's estate file, read (`None` when it keeps none), to check a
/// register against.
pub(crate) async fn estate_file(
    state: &AppState,
    place: &str,
) -> Result<Option<EstatePlace>, String> {
    let metas = state
        .store
        .documents(place, Some("estate"))
        .await
        .map_err(|e| e.to_string())?;
    let Some(meta) = metas.into_iter().next() else {
        return Ok(None);
    };
    let Some(d) = state
        .store
        .document(place, &meta.id)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(None);
    };
    Ok(read_place(&meta.id, &d.content).ok())
}

/// The place's estate file and register, read; 404 when the place keeps
/// none, 422 with the reader's message when one does not read.
async fn estate_of(
    state: &AppState,
    current: &Current,
    place: &str,
    path: &str,
) -> Result<(Place, EstatePlace, Register), Response> {
    let place = user_place(state, current, place, path).await?;
    let estate = first_of_kind(state, &place.id, "estate", path).await?;
    let register = first_of_kind(state, &place.id, "register", path).await?;
    let unreadable = |e: String| error_response(state, path, StatusCode::UNPROCESSABLE_ENTITY, &e);
    let p = read_place(&estate.meta.id, &estate.content).map_err(|e| unreadable(e.to_string()))?;
    let r = read_register(&p, &register.meta.id, &register.content)
        .map_err(|e| unreadable(e.to_string()))?;
    Ok((place, p, r))
}

/// The estate report (`oneplace estate report`'s document), for the
/// downloads.
pub(crate) async fn estate_report(
    state: &AppState,
    current: &Current,
    place: &str,
    path: &str,
) -> Result<oneplace_report::Document, Response> {
    let (_, p, r) = estate_of(state, current, place, path).await?;
    let analysis = oneplace_estate::analysis::analyse(&p, &r, p.analysis);
    Ok(oneplace_estate::document::estate_document(
        &p, &r, &analysis, None,
    ))
}

async fn estate_page(
    State(state): State<AppState>,
    current: Current,
    Path(place): Path<String>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let (place, p, r) = estate_of(&state, &current, &place, path).await?;
    let within = p.analysis.co_location_within_km;
    let links = co_location_candidates(&r, within);
    let svg = map_svg(&p, &r, &links, within);
    let sites: Vec<minijinja::Value> = r
        .sites
        .iter()
        .map(|s| {
            let id = s.id().to_string();
            let near: Vec<String> = links
                .iter()
                .filter_map(|l| {
                    if l.a.to_string() == id {
                        Some(l.b.to_string())
                    } else if l.b.to_string() == id {
                        Some(l.a.to_string())
                    } else {
                        None
                    }
                })
                .collect();
            context! {
                id => id,
                anchor => format!("site-{}", id.replace(|c: char| !c.is_ascii_alphanumeric(), "-")),
                partner => p.partner(&s.partner).map_or(s.partner.clone(), |x| x.name.clone()),
                name => s.name,
                postcode => s.postcode.clone().unwrap_or_default(),
                lat => format!("{:.5}", s.location.lat),
                lon => format!("{:.5}", s.location.lon),
                usage => s.usage.as_str().replace('-', " "),
                tenure => s.tenure.as_str(),
                floor_area => if s.floor_area_m2 > 0.0 { format!("{:.0} m²", s.floor_area_m2) } else { "land".to_string() },
                utilisation => utilisation(s).map_or_else(|| "not known".to_string(), |(u, _)| format!("{:.0}%", u * 100.0)),
                running_costs => s.running_costs.total().to_string(),
                services => s.services.join("; "),
                near => near.join(", "),
            }
        })
        .collect();
    Ok(render(
        &state,
        "estate.html",
        context! { ..base(&current, &place, "estate"), ..context! {
            estate_name => p.name,
            map => minijinja::Value::from_safe_string(svg),
            sites => sites,
            within_km => within,
            links => links.len(),
            spreadsheet => context! {
                xlsx => format!("/p/{}/download/estate/register?format=xlsx", place.id),
                csv => format!("/p/{}/download/estate/register?format=csv", place.id),
            },
        } },
    ))
}

async fn estate_api(
    State(state): State<AppState>,
    current: Current,
    Path(place): Path<String>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let (_, p, r) = estate_of(&state, &current, &place, path).await?;
    let within = p.analysis.co_location_within_km;
    let links = co_location_candidates(&r, within);
    Ok(Json(json!({
        "place": p.name,
        "partners": p.partners,
        "sites": r.sites,
        "co_location": links.iter().map(|l| json!({
            "a": l.a.to_string(), "b": l.b.to_string(),
            "distance_km": (l.distance_km * 1000.0).round() / 1000.0, "fits": l.fits,
        })).collect::<Vec<_>>(),
        "co_location_within_km": within,
    }))
    .into_response())
}
