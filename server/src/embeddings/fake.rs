//! A deterministic embedder for fast tests: words hashed into a fixed-size unit vector, so
//! texts that share words are close. Never used outside tests unless asked for.

use super::{EmbedError, Embedder};

#[derive(Debug, Clone)]
pub struct FakeEmbedder {
    pub dimension: usize,
}

impl Default for FakeEmbedder {
    fn default() -> Self {
        FakeEmbedder {
            dimension: super::DEFAULT_DIMENSION,
        }
    }
}

impl Embedder for FakeEmbedder {
    fn model_name(&self) -> &str {
        "fake-hash"
    }

    fn dimension(&self) -> usize {
        self.dimension
    }

    fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        Ok(texts.iter().map(|text| self.embed_one(text)).collect())
    }
}

impl FakeEmbedder {
    fn embed_one(&self, text: &str) -> Vec<f32> {
        let mut vector = vec![0f32; self.dimension];
        for word in text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            let hash = word
                .to_lowercase()
                .bytes()
                .fold(0xcbf29ce484222325u64, |h, b| {
                    (h ^ b as u64).wrapping_mul(0x100000001b3)
                });
            vector[(hash % self.dimension as u64) as usize] += 1.0;
        }
        let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            vector.iter_mut().for_each(|x| *x /= norm);
        } else {
            vector[0] = 1.0;
        }
        vector
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embeddings::cosine;

    #[test]
    fn shared_words_are_closer() {
        let embedder = FakeEmbedder::default();
        let vectors = embedder
            .embed(&[
                "sort a data frame".into(),
                "sort the frame".into(),
                "plot lines".into(),
            ])
            .unwrap();
        assert!(cosine(&vectors[0], &vectors[1]) > cosine(&vectors[0], &vectors[2]));
        assert!((cosine(&vectors[0], &vectors[0]) - 1.0).abs() < 1e-5);
    }
}
