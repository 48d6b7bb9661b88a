/**
 * The jobs `fila dev` enqueues to show the demo tasks at work: a few imported appointments (one with a
 * flaky upstream, one with an invalid CPF) and two documents to chunk.
 */
import type { EnqueueItem } from 'fila';

export const demoJobs: EnqueueItem[] = [
  {
    task: 'normalize-appointment',
    payload: {
      appointmentId: 'apt-1001',
      address: 'R. das flores, 123 - apto 4, Vila Mariana, São Paulo/SP, 04101000',
      documents: 'CPF 529.982.247-25 RG 12.345.678-9',
    },
  },
  {
    task: 'normalize-appointment',
    payload: {
      appointmentId: 'apt-1002',
      address: 'av. paulista, 1578, Bela Vista, são paulo - sp, 01310-200',
    },
  },
  {
    task: 'normalize-appointment',
    payload: {
      appointmentId: 'apt-1003',
      address: 'Rua XV de Novembro, 50 (instável), Centro, Curitiba/PR, 80020-310',
      documents: 'cpf: 111.444.777-35',
    },
  },
  {
    task: 'normalize-appointment',
    payload: {
      appointmentId: 'apt-1004',
      address: 'Al. Santos, 200, Jardim Paulista, São Paulo/SP',
      documents: 'CPF 123.456.789-00',
    },
  },
  {
    task: 'chunk-document',
    payload: {
      documentId: 'doc-contrato-42',
      chunkSize: 160,
      content:
        'Este contrato regula a prestação de serviços de suporte. O atendimento ocorre em dias úteis, das 9h às 18h. ' +
        'Chamados críticos recebem resposta em até duas horas. Chamados normais recebem resposta no dia útil seguinte. ' +
        'O cliente pode cancelar o contrato com trinta dias de aviso. Os valores são reajustados anualmente pelo IPCA. ' +
        'Dados pessoais são tratados conforme a LGPD e apagados ao fim do contrato.',
    },
  },
  {
    task: 'chunk-document',
    payload: {
      documentId: 'doc-faq-7',
      chunkSize: 120,
      content:
        'Como redefinir minha senha? Use o link "esqueci minha senha" na tela de entrada. ' +
        'Quanto tempo leva a importação de uma planilha? Poucos segundos: a normalização segue em segundo plano. ' +
        'Posso acompanhar o progresso? Sim, cada tarefa mostra o andamento ao vivo.',
    },
  },
];
