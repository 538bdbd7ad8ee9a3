//! Tests of [`super::UserModel`]: separation, persistence, refusals.

use super::*;
use crate::scoring::config::FusionWeights;
use crate::scoring::metrics::eer;
use crate::scoring::threshold::ThresholdSource;
use rand::Rng;

/// Picks one detector's score out of a breakdown.
type Pick = fn(&ScoreBreakdown) -> Option<f64>;

/// Rows of 7 timing-like columns (seconds) around a user-specific rhythm.
fn typist(rng: &mut StdRng, n: usize, rhythm: &[f64; 7]) -> Array2<f64> {
    Array2::from_shape_fn((n, 7), |(_, j)| {
        rhythm[j] * (1.0 + rng.random_range(-0.15..0.15))
    })
}

fn two_users() -> (Array2<f64>, Array2<f64>, Array2<f64>, Array2<f64>) {
    let mut rng = StdRng::seed_from_u64(3);
    let alice = [0.10, 0.25, 0.15, 0.09, 0.30, 0.21, 0.08];
    let bob = [0.13, 0.18, 0.05, 0.12, 0.22, 0.10, 0.11];
    (
        typist(&mut rng, 60, &alice),
        typist(&mut rng, 30, &alice),
        typist(&mut rng, 80, &bob),
        typist(&mut rng, 30, &bob),
    )
}

fn config_with_all_detectors() -> ModelConfig {
    ModelConfig {
        weights: FusionWeights {
            manhattan: 1.0,
            knn: 1.0,
            svm: 1.0,
            weighted_manhattan: 1.0,
        },
        calibration_negatives: 20,
        max_negatives: 60,
        ..ModelConfig::default()
    }
}

#[test]
fn every_detector_separates_two_synthetic_users() {
    let (alice_train, alice_test, bob_background, bob_test) = two_users();
    let model =
        UserModel::train(&alice_train, &bob_background, &config_with_all_detectors()).unwrap();
    let genuine: Vec<ScoreBreakdown> = alice_test
        .rows()
        .into_iter()
        .map(|r| model.score(r).unwrap())
        .collect();
    let impostor: Vec<ScoreBreakdown> = bob_test
        .rows()
        .into_iter()
        .map(|r| model.score(r).unwrap())
        .collect();
    let pick = |v: &[ScoreBreakdown], f: Pick| -> Vec<f64> { v.iter().filter_map(f).collect() };
    let detectors: [(&str, Pick); 5] = [
        ("fused", |b| Some(b.score)),
        ("manhattan", |b| Some(b.manhattan)),
        ("knn", |b| b.knn),
        ("svm", |b| b.svm),
        ("weighted_manhattan", |b| b.weighted_manhattan),
    ];
    for (name, f) in detectors {
        let (g, i) = (pick(&genuine, f), pick(&impostor, f));
        assert_eq!(g.len(), 30, "{name} was trained");
        assert!(eer(&g, &i).unwrap() < 0.05, "{name}: EER {:?}", eer(&g, &i));
    }
    assert!(genuine.iter().all(|b| (0.0..=1.0).contains(&b.score)));
    assert!(matches!(
        model.threshold.source,
        ThresholdSource::EstimatedEer { .. }
    ));
    let accepted = genuine
        .iter()
        .filter(|b| model.threshold.decide(b.score).accepted)
        .count();
    let let_in = impostor
        .iter()
        .filter(|b| model.threshold.decide(b.score).accepted)
        .count();
    assert!(
        accepted >= 25 && let_in <= 3,
        "accepted {accepted}/30 genuine, {let_in}/30 impostors"
    );
}

#[test]
fn serde_round_trip_scores_identically() {
    let (alice_train, alice_test, bob_background, _) = two_users();
    let model =
        UserModel::train(&alice_train, &bob_background, &config_with_all_detectors()).unwrap();
    let restored: UserModel =
        serde_json::from_str(&serde_json::to_string(&model).unwrap()).unwrap();
    assert_eq!(restored, model);
    for row in alice_test.rows() {
        assert_eq!(restored.score(row).unwrap(), model.score(row).unwrap());
    }
}

#[test]
fn genuine_only_model_works_from_first_enrolments_and_refuses_bad_rows() {
    let (alice_train, _, _, _) = two_users();
    let few = alice_train.slice(ndarray::s![..3, ..]).to_owned();
    let empty = Array2::zeros((0, 7));
    let model = UserModel::train(&few, &empty, &ModelConfig::default()).unwrap();
    assert!(model.svm.is_none() && model.knn.is_none());
    assert_eq!(model.threshold.source, ThresholdSource::GlobalDefault);
    let enough = UserModel::train(&alice_train, &empty, &ModelConfig::default()).unwrap();
    assert!(matches!(
        enough.threshold.source,
        ThresholdSource::GenuineQuantile { .. }
    ));
    assert_eq!(
        model.score(ndarray::array![0.1, 0.2].view()),
        Err(ScoringError::WrongWidth {
            expected: 7,
            found: 2
        })
    );
    let mut bad = alice_train.row(0).to_owned();
    bad[3] = f64::NAN;
    assert!(matches!(
        model.score(bad.view()),
        Err(ScoringError::NonFinite { .. })
    ));
    assert!(matches!(
        UserModel::train(
            &few.slice(ndarray::s![..1, ..]).to_owned(),
            &empty,
            &ModelConfig::default()
        ),
        Err(ScoringError::NotEnoughData { .. })
    ));
    let mut poisoned = alice_train.clone();
    poisoned[[0, 0]] = f64::INFINITY;
    assert!(matches!(
        UserModel::train(&poisoned, &empty, &ModelConfig::default()),
        Err(ScoringError::NonFinite { .. })
    ));
}
