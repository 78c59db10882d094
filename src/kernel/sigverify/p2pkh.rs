//! Turns a parsed block into a signature batch: one ECDSA check per P2PKH
//! input, and the list of inputs that need their spent outputs instead.

use super::SigBatch;
use super::block::{Block, InputClass, classify};
use super::sighash::{legacy, p2pkh_script};
use super::{EcdsaRules, Reason, SigItem};

/// Transaction index in the block, input index in the transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputRef {
    pub tx: usize,
    pub input: usize,
}

#[derive(Clone, Debug, Default)]
pub struct BlockSigs {
    /// One signature per entry of `checked`, same order.
    pub batch: SigBatch,
    pub checked: Vec<InputRef>,
    /// Inputs other than coinbase that cannot be checked from the block alone.
    pub not_checkable: Vec<(InputRef, &'static str)>,
    pub coinbase_inputs: usize,
    pub inputs: usize,
    /// Checked inputs whose signature has a high S (non-standard today;
    /// valid by consensus, where `collect` was given `EcdsaRules::Consensus`).
    pub high_s: Vec<InputRef>,
}

/// Every P2PKH input of `block`, with its legacy sighash over the rebuilt
/// P2PKH script, held to `rules`.
pub fn collect(block: &Block, rules: EcdsaRules) -> BlockSigs {
    let mut out = BlockSigs::default();
    for (t, tx) in block.txs.iter().enumerate() {
        for (i, input) in tx.inputs.iter().enumerate() {
            out.inputs += 1;
            let at = InputRef { tx: t, input: i };
            match classify(input) {
                InputClass::Coinbase => out.coinbase_inputs += 1,
                InputClass::NotCheckable(why) => out.not_checkable.push((at, why)),
                InputClass::P2pkh(spend) => {
                    let item = match spend.hash_type {
                        None => Err(Reason::EmptySignature),
                        Some(ht) => {
                            let msg = legacy(tx, i, &p2pkh_script(spend.pubkey), ht)
                                .expect("input index comes from the transaction");
                            let standard = SigItem::ecdsa_der(spend.pubkey, msg, spend.der);
                            if standard == Err(Reason::HighS) {
                                out.high_s.push(at);
                                SigItem::ecdsa_der_with(rules, spend.pubkey, msg, spend.der)
                            } else {
                                standard
                            }
                        }
                    };
                    out.batch.push(item);
                    out.checked.push(at);
                }
            }
        }
    }
    out
}
