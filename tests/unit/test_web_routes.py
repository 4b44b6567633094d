"""The web app's paths at the gateway never take an API route."""

from gateway.generate import WEB_PATHS, WEB_PREFIXES, api_paths, shadowed_api_paths


def test_no_api_route_is_shadowed_by_the_web_app() -> None:
    paths = api_paths()
    assert "/campaigns/{campaign_id}/ideas" in paths and "/notifications:unsubscribe" in paths
    assert shadowed_api_paths(paths) == []


def test_a_web_prefix_over_an_api_path_would_be_caught() -> None:
    assert shadowed_api_paths(["/c/{campaign_id}/x", "/i/{idea_id}", "/inbox", "/{name}/x"]) == [
        "/c/{campaign_id}/x", "/i/{idea_id}", "/inbox", "/{name}/x"]
    assert "/" in WEB_PATHS and "/c/" in WEB_PREFIXES
