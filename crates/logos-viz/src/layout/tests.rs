use super::*;

const NODE: Size = Size { w: 100.0, h: 60.0 };
const LABEL: Size = Size { w: 50.0, h: 16.0 };

fn edges(pairs: &[(usize, usize)]) -> Vec<EdgeIn> {
    pairs.iter().map(|&(from, to)| EdgeIn { from, to, label: LABEL }).collect()
}

fn lay(n: usize, pairs: &[(usize, usize)]) -> Layout {
    layout(&vec![NODE; n], &edges(pairs), &(0..n).collect::<Vec<_>>())
}

fn centre_y(r: &Rect) -> f64 {
    r.y + r.h / 2.0
}

fn overlaps(a: &Rect, b: &Rect) -> bool {
    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
}

/// Nodes and labels never overlap; every route runs left to right from the
/// source's right side to the target's left side.
fn assert_clean(laid: &Layout, pairs: &[(usize, usize)]) {
    let boxes: Vec<Rect> = laid.nodes.iter().chain(laid.routes.iter().map(|r| &r.label)).copied().collect();
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            assert!(!overlaps(a, b), "{a:?} overlaps {b:?}");
        }
    }
    for (route, &(from, to)) in laid.routes.iter().zip(pairs) {
        let (src, dst) = (laid.nodes[from], laid.nodes[to]);
        let first = route.points.first().copied().unwrap_or_default();
        let last = route.points.last().copied().unwrap_or_default();
        assert_eq!(first.0, src.x + src.w);
        assert!(first.1 > src.y && first.1 < src.y + src.h);
        assert_eq!(last.0, dst.x);
        assert!(last.1 > dst.y && last.1 < dst.y + dst.h);
        assert!(
            route.points.windows(2).all(|w| w[0].0 <= w[1].0),
            "route goes backwards: {:?}",
            route.points
        );
    }
}

#[test]
fn a_chain_is_one_straight_row() {
    let pairs: Vec<(usize, usize)> = (0..19).map(|i| (i, i + 1)).collect();
    let laid = lay(20, &pairs);
    assert_clean(&laid, &pairs);
    assert!(laid.nodes.windows(2).all(|w| w[0].x + w[0].w < w[1].x));
    assert!(laid.nodes.iter().all(|r| r.y == laid.nodes[0].y));
    assert!(laid.routes.iter().all(|r| r.points.iter().all(|p| p.1 == centre_y(&laid.nodes[0]))));
}

#[test]
fn a_diamond_is_symmetric() {
    let pairs = [(0, 1), (0, 2), (1, 3), (2, 3)];
    let laid = lay(4, &pairs);
    assert_clean(&laid, &pairs);
    let [top, a, b, bottom] = [0, 1, 2, 3].map(|i| laid.nodes[i]);
    assert!(top.x + top.w < a.x && a.x == b.x && b.x + b.w < bottom.x);
    assert_eq!(centre_y(&top), centre_y(&bottom));
    assert!((centre_y(&a) - centre_y(&top) + centre_y(&b) - centre_y(&top)).abs() < 1e-9);
    assert_ne!(centre_y(&a), centre_y(&b));
}

#[test]
fn barycentric_ordering_uncrosses_edges() {
    // a -> d and b -> c; in id order c would sit beside a and cross.
    let pairs = [(0, 3), (1, 2)];
    let laid = lay(4, &pairs);
    assert_clean(&laid, &pairs);
    let y = |i: usize| centre_y(&laid.nodes[i]);
    assert_eq!(y(0) < y(1), y(3) < y(2));
}

#[test]
fn long_edges_pass_beside_nodes_not_through_them() {
    // 0 -> 1 -> 2 -> 3 and a shortcut 0 -> 3 crossing two ranks.
    let pairs = [(0, 1), (1, 2), (2, 3), (0, 3)];
    let laid = lay(4, &pairs);
    assert_clean(&laid, &pairs);
    let shortcut = &laid.routes[3];
    for node in &laid.nodes[1..3] {
        for p in &shortcut.points {
            let inside = p.0 > node.x && p.0 < node.x + node.w && p.1 >= node.y && p.1 <= node.y + node.h;
            assert!(!inside, "{p:?} inside {node:?}");
        }
    }
}

#[test]
fn a_wide_fan_in_stays_clean() {
    let pairs: Vec<(usize, usize)> = (1..12).map(|i| (i, 0)).chain((1..6).map(|i| (i * 2, 12 + i))).collect();
    let laid = lay(18, &pairs);
    assert_clean(&laid, &pairs);
}

#[test]
fn an_empty_layout_has_no_size() {
    let laid = lay(0, &[]);
    assert!(laid.nodes.is_empty() && laid.routes.is_empty());
    assert_eq!((laid.width, laid.height), (0.0, 0.0));
}

#[test]
fn a_bad_topological_order_does_not_panic() {
    // Out-of-range and repeated indices, a missing node, and a back edge.
    let laid = layout(&[NODE; 3], &edges(&[(0, 1), (1, 0), (2, 2)]), &[7, 1, 1]);
    assert_eq!(laid.nodes.len(), 3);
    assert_eq!(laid.routes.len(), 3);
}

#[test]
fn same_input_same_coordinates() {
    let pairs = [(0, 2), (1, 2), (0, 3), (2, 4), (3, 4), (1, 4)];
    let (a, b) = (lay(5, &pairs), lay(5, &pairs));
    assert_eq!(a.nodes, b.nodes);
    assert!(a.routes.iter().zip(&b.routes).all(|(x, y)| x.points == y.points && x.label == y.label));
}
