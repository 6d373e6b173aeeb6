"""The short-lived resource-tree cache: per caller, bounded, expiring, never holding a token."""

from __future__ import annotations

from mcp_server.treecache import TreeCache

TREE = {
    "nodes": [
        {
            "kind": "Deployment",
            "group": "apps",
            "version": "v1",
            "namespace": "checkout",
            "name": "checkout-api",
            "uid": "u-1",
            "health": {"status": "Degraded", "message": "exceeded its progress deadline"},
            "info": [{"name": "Revision", "value": "Rev:3"}],
        },
        {
            "kind": "Pod",
            "version": "v1",
            "namespace": "checkout",
            "name": "checkout-api-1",
            "uid": "u-2",
            "parentRefs": [
                {"kind": "ReplicaSet", "group": "apps", "namespace": "checkout", "name": "rs", "uid": "u-3"}
            ],
            "images": ["ghcr.io/example-org/checkout-api:2.3.1"],
            "networkingInfo": {"labels": {"app": "checkout"}, "externalURLs": ["https://shop.example"]},
        },
    ]
}


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_tree_is_served_again_to_the_same_caller_with_only_node_identities_and_relations() -> None:
    cache = TreeCache()
    key = TreeCache.key("token-a", "checkout", "argocd", None)
    cache.put(key, TREE)
    nodes = cache.get(TreeCache.key("token-a", "checkout", "argocd", None))
    assert nodes == [
        {
            "kind": "Deployment",
            "group": "apps",
            "version": "v1",
            "namespace": "checkout",
            "name": "checkout-api",
            "uid": "u-1",
            "health": {"status": "Degraded"},
        },
        {
            "kind": "Pod",
            "version": "v1",
            "namespace": "checkout",
            "name": "checkout-api-1",
            "uid": "u-2",
            "parentRefs": [
                {"kind": "ReplicaSet", "group": "apps", "namespace": "checkout", "name": "rs", "uid": "u-3"}
            ],
            "networkingInfo": {"labels": {"app": "checkout"}},
        },
    ]


def test_another_token_project_or_app_namespace_never_gets_the_cached_tree() -> None:
    cache = TreeCache()
    cache.put(TreeCache.key("token-a", "checkout", "argocd", None), TREE)
    assert cache.get(TreeCache.key("token-b", "checkout", "argocd", None)) is None
    assert cache.get(TreeCache.key(None, "checkout", "argocd", None)) is None
    assert cache.get(TreeCache.key("token-a", "checkout", "tenants", None)) is None
    assert cache.get(TreeCache.key("token-a", "checkout", "argocd", "team-a")) is None


def test_the_key_holds_a_hash_of_the_token_never_the_token() -> None:
    key = TreeCache.key("secret-token-value", "checkout", None, None)
    assert "secret-token-value" not in repr(key)


def test_entries_expire_after_their_time_to_live() -> None:
    clock = Clock()
    cache = TreeCache(ttl_seconds=10, clock=clock)
    key = TreeCache.key("t", "checkout", None, None)
    cache.put(key, TREE)
    clock.now += 9.9
    assert cache.get(key) is not None
    clock.now += 0.2
    assert cache.get(key) is None


def test_the_cache_is_bounded_in_entries_and_skips_huge_trees() -> None:
    cache = TreeCache(max_entries=2, max_nodes=2)
    keys = [TreeCache.key(f"t{i}", "checkout", None, None) for i in range(3)]
    for key in keys:
        cache.put(key, TREE)
    assert cache.get(keys[0]) is None
    assert cache.get(keys[1]) is not None
    assert cache.get(keys[2]) is not None
    big = TreeCache.key("t", "big", None, None)
    assert len(cache.put(big, {"nodes": TREE["nodes"] * 2})) == 4
    assert cache.get(big) is None


def test_forget_drops_an_entry() -> None:
    cache = TreeCache()
    key = TreeCache.key("t", "checkout", None, None)
    cache.put(key, TREE)
    cache.forget(key)
    assert cache.get(key) is None
